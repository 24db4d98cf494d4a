// One place that notices same-document navigations: history.pushState /
// replaceState (wrapped once, never unwrapped: another script may have
// wrapped it after us), popstate and hashchange.
import { warn } from './log';

type Listener = () => void;
const listeners = new Set<Listener>();
let hooked = false;

function fire(): void {
  listeners.forEach((fn) => {
    try {
      fn();
    } catch (e) {
      warn(e);
    }
  });
}

function hook(): void {
  hooked = true;
  for (const name of ['pushState', 'replaceState'] as const) {
    const original = history[name];
    history[name] = function (this: History, ...args: Parameters<History['pushState']>) {
      const result = original.apply(this, args);
      fire();
      return result;
    };
  }
  addEventListener('popstate', fire);
  addEventListener('hashchange', fire);
}

/** Calls `fn` after every same-document navigation; returns the unsubscribe. */
export function onNavigate(fn: Listener): () => void {
  if (!hooked) hook();
  listeners.add(fn);
  return () => listeners.delete(fn);
}
