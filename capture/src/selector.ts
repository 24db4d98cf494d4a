// Stable selectors: a heatmap groups clicks by element across visits, page
// versions and screen sizes, so the selector must survive re-renders and be
// unique in the document. docs/capture.md spells out the algorithm.

/**
 * Ids that are probably generated and change between page loads.
 * Each rule: why such ids are not stable.
 */
const GENERATED_ID: RegExp[] = [
  /\d{4,}/, // counters, timestamps, record or account numbers
  /^\d/, // leading digit: generated, and not a plain CSS identifier either
  /[:«»]/, // React useId (":r1:", "«r1»")
  /^(ember|ext-gen|yui_|gwt-|jquery|ui-id-|mui-|radix-|headlessui-|react-select-|rc[-_]|__)/i, // library auto-ids
  /[0-9a-f]{8,}/i, // hash or uuid fragments (checked for mixed digits/letters below)
];

function generated(id: string): boolean {
  return GENERATED_ID.some((re, i) => {
    const m = id.match(re);
    if (!m) return false;
    // a long hex-looking run is only a hash if it mixes digits and letters
    return i < GENERATED_ID.length - 1 || (/\d/.test(m[0]) && /[a-f]/i.test(m[0]));
  });
}

const attr = (name: string, v: string) => `[${name}="${v.replace(/["\\]/g, '\\$&')}"]`;

function unique(sel: string): boolean {
  try {
    return document.querySelectorAll(sel).length === 1;
  } catch {
    return false;
  }
}

/** A selector that names `el` alone by its own attributes, or ''. */
function anchor(el: Element, self: boolean): string {
  const id = el.id;
  const candidates = [
    id && !generated(id) ? `#${CSS.escape(id)}` : '',
    el.hasAttribute('data-cs-id') ? attr('data-cs-id', el.getAttribute('data-cs-id') || '') : '',
    el.hasAttribute('data-testid') ? attr('data-testid', el.getAttribute('data-testid') || '') : '',
    // names are only used for the target itself: they identify controls, not containers
    self && /^(input|select|textarea|button)$/.test(el.localName) && el.getAttribute('name')
      ? el.localName + attr('name', el.getAttribute('name') || '')
      : '',
  ];
  for (const c of candidates) if (c && unique(c)) return c;
  return '';
}

function step(el: Element): string {
  const tag = CSS.escape(el.localName);
  const parent = el.parentElement;
  if (!parent) return tag;
  let n = 0;
  let pos = 0;
  for (const sib of Array.from(parent.children)) {
    if (sib.localName === el.localName) n++;
    if (sib === el) pos = n;
  }
  return n > 1 ? `${tag}:nth-of-type(${pos})` : tag;
}

export function selector(el: Element): string {
  const own = anchor(el, true);
  if (own) return own;
  const parts: string[] = [];
  for (let e: Element | null = el; e; e = e.parentElement) {
    const a = e === el ? '' : anchor(e, false);
    if (a) {
      parts.unshift(a);
      break;
    }
    parts.unshift(step(e));
    if (e.localName === 'body' || e.localName === 'html') break;
  }
  return parts.join('>');
}
