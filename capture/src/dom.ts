// Facts about elements that click and move events report.

/** What counts as something a visitor means to interact with. */
export const INTERACTIVE =
  'a,button,input,select,textarea,label,summary,[onclick],' +
  '[role=button],[role=link],[role=checkbox],[role=radio],[role=tab],[role=menuitem],[role=switch],' +
  // tabindex=-1 only makes an element focusable from script (skip-link
  // targets such as <main tabindex=-1>); it would swallow every click inside.
  '[tabindex]:not([tabindex="-1"])';

export const DISABLED = ':disabled,[aria-disabled=true]';

export function elementOf(t: EventTarget | null): Element | null {
  const n = t as Node | null;
  if (!n || !n.nodeType) return null;
  return n.nodeType === 1 ? (n as Element) : n.parentElement;
}

/** The element an interaction is attributed to. */
export function targetOf(el: Element, block: string): Element {
  // Inside a blocked element nothing more precise than the block may leak.
  return el.closest(block) || el.closest(INTERACTIVE) || el;
}

export function docHeight(): number {
  const b = document.body;
  return Math.max(document.documentElement.scrollHeight, b ? b.scrollHeight : 0);
}

export function isFixed(el: Element | null): boolean {
  for (; el; el = el.parentElement) {
    const p = getComputedStyle(el).position;
    if (p === 'fixed' || p === 'sticky') return true;
  }
  return false;
}

const round = (n: number, k: number) => Math.round(n * k) / k;
const clamp01 = (n: number) => (n > 0 ? (n < 1 ? round(n, 1e4) : 1) : 0);

/** Page geometry of a pointer position over `el`, as the wire events want it. */
export function place(el: Element, cx: number, cy: number) {
  const r = el.getBoundingClientRect();
  const sx = window.scrollX;
  const sy = window.scrollY;
  return {
    rect: [round(r.left + sx, 10), round(r.top + sy, 10), round(r.width, 10), round(r.height, 10)],
    rx: clamp01((cx - r.left) / r.width),
    ry: clamp01((cy - r.top) / r.height),
    x: round(cx + sx, 10),
    y: round(cy + sy, 10),
    vw: window.innerWidth,
    vh: window.innerHeight,
    dh: docHeight(),
  };
}
