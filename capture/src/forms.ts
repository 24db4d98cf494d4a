// Form submits and field metadata: focus, blur (with time spent, edits,
// corrections and whether it ended filled) and validation failures.
// Never the value, nor its length.
import { type Collector, type Emit, listen } from './page';
import { selector } from './selector';

type Field = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

function asField(t: EventTarget | null): Field | null {
  const el = t as Element | null;
  return el && el.nodeType === 1 && el.matches('input,select,textarea') && (el as Field).type !== 'hidden'
    ? (el as Field)
    : null;
}

function filled(el: Field): boolean {
  const type = el.type;
  return type === 'checkbox' || type === 'radio' ? (el as HTMLInputElement).checked : el.value !== '';
}

export function forms(emit: Emit): Collector {
  let cur: { el: Field; at: number; edits: number; dels: number } | undefined;

  function blur(): void {
    if (!cur) return;
    const { el, at, edits, dels } = cur;
    cur = undefined;
    emit({ t: 'field', ev: 'blur', sel: selector(el), dur: Date.now() - at, edits, dels, filled: filled(el) });
  }

  const off = [
    listen(window, 'focusin', (e: FocusEvent) => {
      const el = asField(e.target);
      if (!el) return;
      blur();
      cur = { el, at: Date.now(), edits: 0, dels: 0 };
      emit({ t: 'field', ev: 'focus', sel: selector(el) });
    }),
    listen(window, 'focusout', (e: FocusEvent) => {
      if (cur && e.target === cur.el) blur();
    }),
    listen(window, 'input', (e: InputEvent) => {
      if (!cur || e.target !== cur.el) return;
      cur.edits++;
      if ((e.inputType || '').startsWith('delete')) cur.dels++;
    }),
    listen(window, 'invalid', (e: Event) => {
      const el = asField(e.target);
      if (el) emit({ t: 'field', ev: 'invalid', sel: selector(el) });
    }),
    listen(window, 'submit', (e: SubmitEvent) => {
      const form = e.target as Element;
      if (form && form.nodeType === 1) emit({ t: 'submit', sel: selector(form) });
    }),
  ];

  return { stop: () => off.forEach((f) => f()), hide: blur };
}
