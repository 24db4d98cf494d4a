// What a click caused. Each click opens an observation window; while any
// window is open, a few listeners and one MutationObserver note effects into
// every open window. They detach as soon as the last window closes, so idle
// pages carry no observer at all.
import { elementOf } from './dom';
import { onNavigate } from './navigation';
import { guard, listen } from './page';

export interface Effects {
  mut: boolean;
  nav: boolean;
  scroll: boolean;
  focus: boolean;
  err: boolean;
  inval: boolean;
}
type Kind = keyof Effects;

interface Watch {
  fx: Effects;
  el: Element;
  active: Element | null;
  timer: ReturnType<typeof setTimeout>;
  done: (fx: Effects) => void;
}

const open = new Set<Watch>();
let detach: Array<() => unknown> = [];

const mark = (k: Kind) => open.forEach((w) => (w.fx[k] = true));

function visibleAlert(a: Element | null): boolean {
  return !!a && a.getClientRects().length > 0 && !!(a.textContent || '').trim();
}

/** A [role=alert] that shows up, or whose content changes, is a validation message. */
function alertAppeared(m: MutationRecord, el: Element): boolean {
  const found: Array<Element | null> = [el.closest('[role=alert]')];
  if (m.type === 'attributes') found.push(el.querySelector('[role=alert]'));
  m.addedNodes.forEach((n) => {
    if (n.nodeType === 1) {
      const e = n as Element;
      found.push(e.matches('[role=alert]') ? e : e.querySelector('[role=alert]'));
    }
  });
  return found.some(visibleAlert);
}

function onMutations(records: MutationRecord[]): void {
  for (const m of records) {
    const el = elementOf(m.target);
    // rrweb marks password fields it has seen with data-rr-* attributes
    if (!el || (m.attributeName || '').startsWith('data-rr')) continue;
    mark('mut');
    if (
      (m.attributeName === 'aria-invalid' && el.getAttribute('aria-invalid') === 'true') ||
      alertAppeared(m, el)
    )
      mark('inval');
  }
}

function attach(): void {
  const mo = new MutationObserver(guard(onMutations));
  mo.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  const on = (type: string, kind: Kind, target: EventTarget = window) =>
    listen(target, type, () => mark(kind));
  detach = [
    () => mo.disconnect(),
    onNavigate(() => mark('nav')),
    on('scroll', 'scroll'),
    on('error', 'err'),
    on('unhandledrejection', 'err'),
    on('invalid', 'inval'),
    listen(window, 'focusin', (e: FocusEvent) => {
      open.forEach((w) => {
        if (e.target !== w.el) w.fx.focus = true;
      });
    }),
  ];
}

function close(w: Watch): void {
  clearTimeout(w.timer);
  open.delete(w);
  if (document.activeElement !== w.active && document.activeElement !== w.el) w.fx.focus = true;
  if (!open.size) {
    detach.forEach((d) => d());
    detach = [];
  }
  w.done(w.fx);
}

/** Observes the page for `ms` after a click on `el`, then calls `done`. */
export function observe(el: Element, ms: number, done: (fx: Effects) => void): void {
  if (!open.size) attach();
  const w: Watch = {
    fx: { mut: false, nav: false, scroll: false, focus: false, err: false, inval: false },
    el,
    active: document.activeElement,
    done,
    timer: setTimeout(guard(() => close(w)), ms),
  };
  open.add(w);
}

/** The page is going away: report every open window now, as a navigation. */
export function closeAll(): void {
  open.forEach((w) => {
    w.fx.nav = true;
    close(w);
  });
}
