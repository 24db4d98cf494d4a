// The rrweb options that make recording private by default.
//
// rrweb masks text under `maskTextSelector` and input values whose type is
// listed in `maskInputOptions`, then lets `maskTextFn` / `maskInputFn` decide
// the masked string. We mark *everything* as masked and let the two functions
// open up only what the site explicitly allowed, so a forgotten rule leaks
// nothing.
import { matchesAny } from './glob';

/** Input types whose value is never recorded, whatever the options say. */
const NEVER_UNMASK_TYPES = /^(password|email|tel|number|hidden)$/;
/** autocomplete hints that say the field holds a secret or contact detail. */
const NEVER_UNMASK_AUTOCOMPLETE = /cc-|password|one-time-code|email|tel|bday/;

/**
 * Every type rrweb looks up. `hidden` is missing from rrweb's own
 * maskAllInputs list, and hidden inputs often carry tokens and account ids.
 */
const MASK_ALL_INPUTS: Record<string, boolean> = {};
for (const k of (
  'button checkbox color date datetime-local email file hidden image month number ' +
  'password radio range reset search submit tel text time url week textarea select'
).split(' '))
  MASK_ALL_INPUTS[k] = true;

export interface Rules {
  maskSelectors: string[];
  unmaskSelectors: string[];
  blockSelectors: string[];
  /** Pages (path globs) whose text holds no customer data: open like [data-cs-unmask]. */
  unmaskUrls: string[];
}

export function blockSelector(r: Rules): string {
  return ['[data-cs-block]', ...r.blockSelectors].join(',');
}

function neverUnmasked(el: HTMLElement): boolean {
  const type = ((el as HTMLInputElement).type || '').toLowerCase();
  return (
    NEVER_UNMASK_TYPES.test(type) ||
    el.hasAttribute('data-rr-is-password') ||
    NEVER_UNMASK_AUTOCOMPLETE.test((el.getAttribute('autocomplete') || '').toLowerCase())
  );
}

/** Whether text in `el` may be recorded as it is. */
export function isOpen(r: Rules): (el: Element | null) => boolean {
  const unmask = ['[data-cs-unmask]', ...r.unmaskSelectors].join(',');
  const mask = ['[data-cs-mask]', ...r.maskSelectors].join(',');
  // Checked per call: a single-page app may move between open and other pages.
  const openPage = () => r.unmaskUrls.length > 0 && matchesAny(location.pathname, r.unmaskUrls);
  return (el) => !!el && (openPage() || !!el.closest(unmask)) && !el.closest(mask);
}

export function privacyOptions(r: Rules) {
  const open = isOpen(r);
  return {
    blockSelector: blockSelector(r),
    maskTextSelector: '*',
    // Keep whitespace so the replayed layout keeps its line breaks and widths.
    maskTextFn: (text: string, el: HTMLElement | null) => (open(el) ? text : text.replace(/\S/g, '*')),
    maskAllInputs: false,
    maskInputOptions: MASK_ALL_INPUTS,
    maskInputFn: (text: string, el: HTMLElement) =>
      open(el) && !neverUnmasked(el) ? text : '*'.repeat(text.length),
  };
}
