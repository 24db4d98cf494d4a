// Scroll depth: one event each time scrolling settles, carrying the deepest
// bottom edge the visitor has seen in this page view.
import { docHeight } from './dom';
import { type Collector, type Emit, guard, listen } from './page';

const SETTLE_MS = 250;

export function scrolls(emit: Emit): Collector {
  let max = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const depth = () => (max = Math.max(max, Math.round(window.scrollY + window.innerHeight)));
  depth();

  function settle(): void {
    if (timer === undefined) return;
    clearTimeout(timer);
    timer = undefined;
    emit({ t: 'scroll', sy: Math.round(window.scrollY), max, vh: window.innerHeight, dh: docHeight() });
  }

  // window only: element scrolls don't change how far down the page one read
  const off = listen(
    window,
    'scroll',
    () => {
      depth();
      clearTimeout(timer);
      timer = setTimeout(guard(settle), SETTLE_MS);
    },
    false,
  );

  return {
    stop: () => {
      off();
      clearTimeout(timer);
    },
    hide: settle,
    page: () => {
      settle();
      max = 0;
      depth();
    },
  };
}
