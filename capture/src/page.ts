// The current page view: its id and URL are stamped on every event.
import { docHeight } from './dom';
import { uuid } from './ids';
import { warn } from './log';

export type Emit = (ev: { t: string; [k: string]: unknown }) => void;

/** A source of interaction events: stop() detaches it; hide() and page()
 * let it hand over what it holds before the page hides or a new page view. */
export interface Collector {
  stop(): void;
  hide?(): void;
  page?(): void;
}

export const page = { pv: '', url: '' };

/** `open` says whether the <title> text may be sent as it is: titles are text. */
export function pageView(emit: Emit, open: (el: Element | null) => boolean): void {
  const ref = page.url || document.referrer;
  const title = document.title;
  page.pv = uuid();
  page.url = location.href;
  emit({
    t: 'pageview',
    ref,
    title: open(document.querySelector('title')) ? title : title.replace(/\S/g, '*'),
    vw: window.innerWidth,
    vh: window.innerHeight,
    dh: docHeight(),
  });
}

/** Runs `fn` so that a bug of ours never surfaces as an error of the page. */
export function guard<A extends unknown[]>(fn: (...a: A) => unknown): (...a: A) => void {
  return (...a) => {
    try {
      fn(...a);
    } catch (e) {
      warn(e);
    }
  };
}

/** addEventListener with its remover, so collectors can detach in one line. */
export function listen(
  target: EventTarget,
  type: string,
  fn: (e: never) => unknown,
  capture = true,
): () => void {
  const opts = { capture, passive: true };
  const safe = guard(fn as EventListener);
  target.addEventListener(type, safe, opts);
  return () => target.removeEventListener(type, safe, opts);
}
