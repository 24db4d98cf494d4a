// Uncaught errors and unhandled promise rejections of the page.
import { type Collector, type Emit, listen } from './page';

/** A page stuck in an error loop would otherwise flood its own session. */
const MAX_PER_PAGE = 50;

function describe(reason: unknown): string {
  if (reason instanceof Error) return `${reason.name}: ${reason.message}`;
  if (typeof reason === 'string') return reason;
  try {
    return JSON.stringify(reason);
  } catch {
    return String(reason);
  }
}

export function errors(emit: Emit): Collector {
  let count = 0;
  const send = (msg: unknown, src = '', line = 0, col = 0) => {
    if (count++ < MAX_PER_PAGE) emit({ t: 'error', msg: String(msg).slice(0, 500), src, line, col });
  };
  const off = [
    listen(window, 'error', (e: ErrorEvent) => send(e.message, e.filename, e.lineno, e.colno), false),
    listen(window, 'unhandledrejection', (e: PromiseRejectionEvent) => send(describe(e.reason)), false),
  ];
  return {
    stop: () => off.forEach((f) => f()),
    page: () => (count = 0),
  };
}
