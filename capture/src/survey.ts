// Micro-surveys, the part inside capture.js: which of the project's surveys may
// show on this page, and when. The widget itself is capture-survey.js, fetched
// from the server only once a survey targets the page: sites and pages without
// a survey never download it. This runs only while recording (consent granted,
// session sampled in, page not excluded), so no survey shows before consent.
import { elementOf } from './dom';
import { matchesAny } from './glob';
import { warn } from './log';
import { type Collector, type Emit, guard, listen } from './page';
import { peekSessionId } from './session';
import { load, save } from './storage';

export interface SurveyDef {
  id: string;
  urls?: string[];
  trigger?: string;
  seconds?: number;
  sampleRate?: number;
}

export interface Answer {
  question: string;
  qtype: string;
  answer: string;
}

/** capture-survey.js: shows `def`, reports each answer, calls `done` once closed; returns a remover. */
export type Show = (def: SurveyDef, answer: (a: Answer) => void, done: () => void) => () => void;

const SEEN = 'cs_svy';
const RAGE_CLICKS = 3;
const RAGE_MS = 1000;
const RAGE_PX = 30;
/** An uncaught error this soon after a click makes it an error click. */
const ERROR_CLICK_MS = 1000;

/** A stable draw in [0, 1) per session and survey (FNV-1a): a reload does not draw again. */
export function draw(sid: string, id: string): number {
  const s = `${sid}/${id}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 4294967296;
}

/** Surveys already shown in this session: each shows at most once per session. */
function seen(sid: string): string[] {
  const v = load<{ s: string; d: string[] }>('sessionStorage', SEEN);
  return v && v.s === sid && Array.isArray(v.d) ? v.d : [];
}

let widget: Promise<Show> | undefined;

function loadWidget(endpoint: string): Promise<Show> {
  const w = window as unknown as { clearsightSurvey?: Show };
  widget =
    widget ||
    new Promise<Show>((ok, fail) => {
      const el = document.createElement('script');
      el.src = `${endpoint}/capture-survey.js`;
      el.async = true;
      el.onload = () => (w.clearsightSurvey ? ok(w.clearsightSurvey) : fail('no widget'));
      el.onerror = () => {
        widget = undefined; // try again on a later page
        fail('capture-survey.js unavailable');
      };
      document.head.appendChild(el);
    });
  return widget;
}

const rate = (d: SurveyDef) =>
  typeof d.sampleRate === 'number' && d.sampleRate >= 0 && d.sampleRate <= 1 ? d.sampleRate : 1;

export function surveys(emit: Emit, defs: SurveyDef[], endpoint: string): Collector {
  let live = true;
  let timers: Array<ReturnType<typeof setTimeout>> = [];
  /** Past their delay on this page, waiting for their trigger. */
  let armed: SurveyDef[] = [];
  let remove: (() => void) | undefined;
  /** A survey is loading or on screen. */
  let busy = false;
  let clicks: number[][] = [];
  let lastClick = 0;

  function show(d: SurveyDef): void {
    const sid = peekSessionId();
    if (busy || !sid || seen(sid).indexOf(d.id) >= 0) return;
    busy = true;
    save('sessionStorage', SEEN, { s: sid, d: seen(sid).concat(d.id) });
    // one survey per page view: the others wait for the next one
    timers.forEach(clearTimeout);
    armed = [];
    const done = () => {
      busy = false;
      remove = undefined;
    };
    loadWidget(endpoint).then((open) => {
      if (live)
        remove = open(
          d,
          (a) => emit({ t: 'survey', survey: d.id, question: a.question, qtype: a.qtype, answer: a.answer }),
          done,
        );
    }, (e) => {
      done();
      warn(e);
    });
  }

  function fire(trigger: string): void {
    const d = armed.filter((x) => (x.trigger || 'time') === trigger)[0];
    if (d) show(d);
  }

  /** On every page view: the surveys this page may show, each armed after its delay. */
  function arm(): void {
    timers.forEach(clearTimeout);
    armed = [];
    const sid = peekSessionId();
    const here = defs.filter(
      (d) =>
        (!d.urls || !d.urls.length || matchesAny(location.pathname, d.urls)) &&
        seen(sid).indexOf(d.id) < 0 &&
        draw(sid, d.id) < rate(d),
    );
    if (here.length) loadWidget(endpoint).catch(warn);
    timers = here.map((d) =>
      setTimeout(
        guard(() => {
          armed.push(d);
          fire('time');
        }),
        Math.max(0, Number(d.seconds) || 0) * 1000,
      ),
    );
  }

  function frustrated(): void {
    if (Date.now() - lastClick <= ERROR_CLICK_MS) fire('frustration');
  }

  const off = [
    // pointerdown, not click: browsers fire no click on a disabled control,
    // and hammering a disabled "Continue" is the commonest rage click of all
    listen(window, 'pointerdown', (e: PointerEvent) => {
      const el = elementOf(e.target);
      if (el && el.closest('[data-cs-survey]')) return;
      const now = (lastClick = Date.now());
      // a rage click: 3 clicks within 1 s, each within 30 px of the last one
      clicks = clicks.filter(
        ([t, x, y]) => now - t <= RAGE_MS && Math.abs(x - e.clientX) <= RAGE_PX && Math.abs(y - e.clientY) <= RAGE_PX,
      );
      clicks.push([now, e.clientX, e.clientY]);
      if (clicks.length >= RAGE_CLICKS) fire('frustration');
    }),
    // a keyboard activation is a click too, for error clicks
    listen(window, 'click', () => (lastClick = Date.now())),
    // bubbling only: resource load failures (capture phase) are not the visitor's problem
    listen(window, 'error', frustrated, false),
    listen(window, 'unhandledrejection', frustrated, false),
    // exit intent: the pointer leaves the window through its top edge
    listen(document, 'mouseout', (e: MouseEvent) => !e.relatedTarget && e.clientY <= 0 && fire('exit')),
  ];
  arm();

  return {
    stop() {
      live = false;
      timers.forEach(clearTimeout);
      off.forEach((f) => f());
      if (remove) remove();
    },
    page: arm,
  };
}
