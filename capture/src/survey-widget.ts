// capture-survey.js: the micro-survey widget. capture.js loads it only when a
// survey targets the page (see survey.ts), so it costs nothing elsewhere.
//
// The widget lives in a shadow root under a `[data-cs-block]` host: the page's
// CSS cannot restyle it, and the recording holds an empty box where it was,
// never its questions nor what the visitor types.
//
// Accessibility: a labelled, non-modal dialog of native buttons and a labelled
// textarea. It takes focus when it opens unless the visitor is typing in a
// field; Escape or the close button dismisses it; focus goes back where it was.
import type { Answer, Show } from './survey';

interface Question {
  id: string;
  type: string;
  text: string;
  options?: string[];
  scale?: number;
  low?: string;
  high?: string;
  maxLength?: number;
}

interface Def {
  id: string;
  title?: string;
  questions?: Question[];
  labels?: { close?: string; send?: string; thanks?: string };
}

const CSS = `
:host{all:initial}
.c{position:fixed;z-index:2147483000;right:16px;bottom:16px;width:340px;max-width:calc(100vw - 32px);box-sizing:border-box;
padding:16px 16px 14px;background:#fff;color:#1a1d24;border:1px solid #c9ced8;border-radius:10px;
box-shadow:0 6px 24px rgba(0,0,0,.18);font:15px/1.4 var(--cs-survey-font,system-ui,-apple-system,"Segoe UI",Roboto,sans-serif)}
@media (max-width:480px){.c{left:8px;right:8px;bottom:max(8px,env(safe-area-inset-bottom));width:auto;max-width:none}}
h2{margin:0 40px 8px 0;font-size:15px;font-weight:650}
.q{display:block;margin:0 40px 10px 0;font-weight:500}
h2+div .q{margin-right:0}
.o{display:flex;flex-wrap:wrap;gap:8px}
.o.r button{flex:1 1 0;min-width:36px;padding:0}
button,textarea{font:inherit;color:inherit;box-sizing:border-box}
button{min-height:44px;padding:0 14px;border-radius:6px;cursor:pointer;background:#fff;
border:1px solid var(--cs-survey-accent,#1f5fbf);color:var(--cs-survey-accent,#1f5fbf)}
button:hover{background:#eef3fb}
.s{margin-top:8px;background:var(--cs-survey-accent,#1f5fbf);color:#fff}
.s:hover{background:var(--cs-survey-accent,#1f5fbf);filter:brightness(1.1)}
.x{position:absolute;top:6px;right:6px;width:44px;min-height:44px;padding:0;border:0;font-size:22px;color:#4a5060}
textarea{display:block;width:100%;min-height:72px;padding:8px;border:1px solid #8a91a0;border-radius:6px;resize:vertical}
:focus-visible{outline:3px solid var(--cs-survey-accent,#1f5fbf);outline-offset:2px}
.e{display:flex;justify-content:space-between;margin-top:4px;font-size:13px;color:#4a5060}
.n{margin:10px 0 0;font-size:13px;color:#4a5060}
.v{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
`;

let made = 0;

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...kids: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  e.append(...kids);
  return e;
}

function button(text: string, onClick: () => void, attrs: Record<string, string> = {}): HTMLButtonElement {
  const b = el('button', { type: 'button', ...attrs }, text);
  b.addEventListener('click', onClick);
  return b;
}

const show: Show = (raw, answer, done) => {
  const def = raw as Def;
  const questions = (def.questions || []).filter((q) => q && q.id && q.text);
  const labels = def.labels || {};
  const uid = `cs-survey-${++made}`;
  const before = document.activeElement as HTMLElement | null;
  const typing = !!before && before.matches('input,textarea,select,[contenteditable]:not([contenteditable=false])');
  const host = el('div', { 'data-cs-block': '', 'data-cs-survey': def.id, 'data-cs-id': 'cs-survey' });
  const root = host.attachShadow({ mode: 'open' });
  const body = el('div');
  const live = el('p', { class: 'v', 'aria-live': 'polite' });
  const card = el('section', { class: 'c', role: 'dialog', 'aria-modal': 'false', tabindex: '-1' });
  let step = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  function close(): void {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    const hadFocus = !!root.activeElement;
    host.remove();
    if (hadFocus && before && before.isConnected && before.focus) before.focus();
    done();
  }

  function answered(q: Question, value: string): void {
    answer({ question: q.id, qtype: q.type, answer: value } as Answer);
    step++;
    render(true);
  }

  function controls(q: Question, label: string): Node[] {
    if (q.type === 'text') {
      const area = el('textarea', { id: `${uid}-a`, rows: '3', maxlength: String(q.maxLength || 500) });
      const send = () => (area.value.trim() ? answered(q, area.value.trim()) : area.focus());
      return [area, button(labels.send || 'Send', send, { class: 's' })];
    }
    const group = el('div', { class: 'o', role: 'group', 'aria-labelledby': label });
    if (q.type === 'rating') {
      const n = Math.min(10, Math.max(3, q.scale || 5));
      group.className = 'o r';
      for (let v = 1; v <= n; v++) {
        const meaning = v === 1 ? q.low : v === n ? q.high : '';
        const name = `${v} / ${n}${meaning ? `, ${meaning}` : ''}`;
        group.append(button(String(v), () => answered(q, String(v)), { 'aria-label': name }));
      }
      const ends = el('div', { class: 'e', 'aria-hidden': 'true' }, el('span', {}, q.low || ''));
      ends.append(el('span', {}, q.high || ''));
      return q.low || q.high ? [group, ends] : [group];
    }
    (q.options || []).forEach((o) => group.append(button(o, () => answered(q, o))));
    return [group];
  }

  function render(focus: boolean): void {
    const q = questions[step];
    if (!q) {
      // the live region, there from the start, is what says thanks: announced once, and seen
      body.remove();
      live.className = 'q';
      live.textContent = labels.thanks || 'Thank you for your feedback.';
      if (root.activeElement) card.focus();
      timer = setTimeout(close, 2500);
      return;
    }
    const label = `${uid}-q${step}`;
    const text =
      q.type === 'text'
        ? el('label', { class: 'q', id: label, for: `${uid}-a` }, q.text)
        : el('p', { class: 'q', id: label }, q.text);
    const count = questions.length > 1 ? [el('p', { class: 'n' }, `${step + 1} / ${questions.length}`)] : [];
    body.replaceChildren(text, ...controls(q, label), ...count);
    card.setAttribute('aria-labelledby', def.title ? `${uid}-t` : label);
    const first = body.querySelector('button,textarea') as HTMLElement | null;
    if (focus && first) first.focus();
  }

  const title = def.title ? [el('h2', { id: `${uid}-t` }, def.title)] : [];
  card.append(button('×', close, { class: 'x', 'aria-label': labels.close || 'Close survey' }), ...title, body, live);
  card.addEventListener('keydown', (e) => e.key === 'Escape' && close());
  // A constructed sheet passes a strict style-src CSP, which an inline <style> does not.
  try {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch {
    root.append(el('style', {}, CSS));
  }
  root.append(card);
  if (!questions.length) {
    setTimeout(done);
    return () => undefined;
  }
  document.body.appendChild(host);
  render(!typing);
  return () => {
    closed = true;
    clearTimeout(timer);
    host.remove();
  };
};

(window as unknown as { clearsightSurvey: Show }).clearsightSurvey = show;
