// Click events, each reported after its observation window (see effects.ts).
import { DISABLED, INTERACTIVE, elementOf, isFixed, place, targetOf } from './dom';
import { closeAll, observe } from './effects';
import { type Collector, type Emit, listen, page } from './page';
import { selector } from './selector';

export function clicks(emit: Emit, windowMs: number, block: string): Collector {
  // Chromium fires no click on disabled form controls (nor on anything inside
  // a disabled fieldset), but pointer events still arrive: a pointerdown and
  // pointerup on the same disabled thing is reported as its click.
  let downOn: Element | null = null;
  // Clicking a <label> makes the browser click its control too; one click.
  let echo: Element | null = null;

  function report(raw: Element, cx: number, cy: number, n: number): void {
    const el = targetOf(raw, block);
    const at = { ts: Date.now(), pv: page.pv, url: page.url };
    if (!cx && !cy && !n) {
      // keyboard activation carries no pointer position: use the centre
      const r = el.getBoundingClientRect();
      cx = r.left + r.width / 2;
      cy = r.top + r.height / 2;
    }
    const ev = {
      t: 'click',
      ...at,
      sel: selector(el),
      tag: el.localName,
      ...place(el, cx, cy),
      sy: Math.round(window.scrollY),
      fixed: isFixed(el),
      inter: el.matches(INTERACTIVE),
      dis: !!raw.closest(DISABLED),
      reg: !!raw.closest('[data-cs-regulatory]'),
      n,
    };
    observe(el, windowMs, (fx) => emit({ ...ev, fx }));
  }

  const off = [
    listen(window, 'pointerdown', (e: PointerEvent) => {
      downOn = elementOf(e.target);
      downOn = downOn && downOn.closest(':disabled');
    }),
    listen(window, 'pointerup', (e: PointerEvent) => {
      const raw = elementOf(e.target);
      if (raw && downOn && raw.closest(':disabled') === downOn) report(raw, e.clientX, e.clientY, 1);
      downOn = null;
    }),
    listen(window, 'click', (e: MouseEvent) => {
      const raw = elementOf(e.target);
      if (!raw || raw.closest(':disabled')) return; // reported at pointerup
      if (raw.closest('[data-cs-survey]')) return; // the survey widget is not part of the page
      if (raw === echo) return;
      const label = raw.closest('label');
      echo = label && label.control;
      setTimeout(() => (echo = null));
      report(raw, e.clientX, e.clientY, e.detail);
    }),
  ];

  return {
    stop: () => off.forEach((f) => f()),
    hide: closeAll,
  };
}
