// Pointer move samples. A sample says where the pointer rested and for how
// long: it starts where the pointer is, and is reported (with its dwell)
// when the pointer moves on after at least `sampleMs`, every 2 s while the
// pointer rests (up to the 10 s dwell cap), on a new page view, and when the
// page hides.
import { elementOf, isFixed, place, targetOf } from './dom';
import { type Collector, type Emit, guard, listen } from './page';
import { selector } from './selector';

const REST_MS = 2000;
const MAX_DWELL_MS = 10000;

interface Sample {
  at: number;
  el: Element;
  cx: number;
  cy: number;
  ev: Record<string, unknown>;
}

export function moves(emit: Emit, sampleMs: number, block: string): Collector {
  let cur: Sample | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let rests = 0;

  function report(now: number): void {
    clearTimeout(timer);
    if (cur) emit({ t: 'move', ts: cur.at, ...cur.ev, dwell: Math.min(now - cur.at, MAX_DWELL_MS) });
    cur = undefined;
  }

  function begin(el: Element, cx: number, cy: number, now: number): void {
    const p = place(el, cx, cy);
    cur = {
      at: now,
      el,
      cx,
      cy,
      ev: { sel: selector(el), rx: p.rx, ry: p.ry, x: p.x, y: p.y, vw: p.vw, vh: p.vh, dh: p.dh, fixed: isFixed(el) },
    };
    // Resting reports stop at the dwell cap; the next move starts afresh.
    if (rests < MAX_DWELL_MS / REST_MS) timer = setTimeout(guard(rest), REST_MS);
  }

  function rest(): void {
    const s = cur;
    if (!s) return;
    const now = Date.now();
    report(now);
    rests++;
    if (s.el.isConnected) begin(s.el, s.cx, s.cy, now);
  }

  const off = listen(window, 'pointermove', (e: PointerEvent) => {
    const now = Date.now();
    if (cur && now - cur.at < sampleMs) return;
    const raw = elementOf(e.target);
    if (!raw) return;
    report(now);
    rests = 0;
    // the survey widget is not part of the page
    if (!raw.closest('[data-cs-survey]')) begin(targetOf(raw, block), e.clientX, e.clientY, now);
  });

  const flush = () => report(Date.now());
  return {
    stop: () => {
      off();
      clearTimeout(timer);
      cur = undefined;
    },
    hide: flush,
    page: flush,
  };
}
