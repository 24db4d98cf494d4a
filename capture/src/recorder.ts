// The recording of one page load: rrweb, the interaction collectors, the
// buffer of not-yet-batched events, and the outbox. It runs only while
// consent is granted; index.ts decides when.
import { record } from '@rrweb/record';
import { type IsOpen, maskAttributeText } from './attributes';
import { makeBatch } from './batch';
import { clicks } from './clicks';
import { type Settings, fetchRemote, merge } from './config';
import { errors } from './errors';
import { forms } from './forms';
import { matchesAny } from './glob';
import { warn } from './log';
import { moves } from './moves';
import { onNavigate } from './navigation';
import { type Outbox, outbox } from './outbox';
import { type Collector, type Emit, guard, listen, page, pageView } from './page';
import { isOpen, privacyOptions } from './privacy';
import { scrolls } from './scroll';
import { expired, persistSession, sampled, session, sessionId, visitorId } from './session';
import { surveys } from './survey';

/**
 * idle: no consent · starting: fetching the capture config · on: recording ·
 * paused: on an excluded URL · out: sampled out for this session ·
 * stopped: stop() was called, for good on this page.
 */
type Phase = 'idle' | 'starting' | 'on' | 'paused' | 'out' | 'stopped';
type Ev = Parameters<Emit>[0];

const EVENT_META = 4;
const EVENT_FULL = 2;
/** Events the API may queue while the capture config loads. */
const MAX_EARLY = 100;
/** rrweb's own sampling: enough for a faithful replay, with fewer events. */
const RRWEB_SAMPLING = { mousemove: 50, scroll: 150, media: 800, input: 'last' as const };

export interface Recorder {
  start(): void;
  /** Stops recording; `discard` drops everything unsent, `final` forbids a restart. */
  halt(discard: boolean, final: boolean): void;
  /** An event from the public API (identify, track, experiment). */
  event(ev: Ev): void;
  flush(): Promise<void>;
  outbox: Outbox;
}

export function recorder(base: Settings, policy: () => string, onRefused: () => void): Recorder {
  const box = outbox(base.endpoint, base.projectKey, onRefused);
  let s = base;
  let phase: Phase = 'idle';
  let run = 0; // bumped by halt(), so a start() still awaiting its config can tell
  let stopRrweb: (() => void) | undefined;
  let parts: Collector[] = [];
  let off: Array<() => unknown> = [];
  let timer: ReturnType<typeof setInterval> | undefined;
  let early: Ev[] = [];
  // events not yet in a batch
  let rr: string[] = [];
  let ev: string[] = [];
  let size = 0;
  let full = false;
  let open: IsOpen = () => false;

  function cut(): void {
    if (!rr.length && !ev.length) return;
    const b = makeBatch(sessionId(), visitorId(), policy(), rr, ev, full);
    rr = [];
    ev = [];
    size = 0;
    full = false;
    box.add(b);
  }

  function add(list: string[], json: string): void {
    list.push(json);
    size += json.length + 1;
  }

  function pushRrweb(e: Parameters<typeof maskAttributeText>[0]): void {
    maskAttributeText(e, open);
    // A meta event opens a full snapshot: the snapshot travels alone.
    if (e.type === EVENT_META) cut();
    add(rr, JSON.stringify(e));
    if (e.type === EVENT_FULL) {
      full = true;
      cut();
    } else if (size >= s.maxBatchBytes) cut();
  }

  function pushEvent(o: Ev): void {
    if (phase !== 'on') return;
    const now = Date.now();
    if (expired(now)) return rotate(o);
    session(now);
    add(ev, JSON.stringify(o));
    if (size >= s.maxBatchBytes) cut();
  }

  /** After 30 idle minutes a new session starts, with its own snapshot and page view. */
  function rotate(o: Ev): void {
    cut();
    session();
    if (!sampled(s.sampleRate)) {
      halt(false, false);
      phase = 'out';
      return;
    }
    try {
      record.takeFullSnapshot(true);
    } catch (e) {
      warn(e); // rrweb not started yet: its own first snapshot is still to come
    }
    pageView(emit, open);
    pushEvent(o);
  }

  // `t` first, then the page stamp; the event's own fields (a click's ts) win.
  const emit: Emit = (o) => pushEvent(Object.assign({ t: o.t, ts: Date.now(), pv: page.pv, url: page.url }, o));

  function resume(): void {
    phase = 'on';
    const rules = privacyOptions(s);
    open = isOpen(s);
    stopRrweb = record({
      emit: pushRrweb as (e: unknown) => void,
      ...rules,
      slimDOMOptions: 'all',
      recordCanvas: false,
      collectFonts: false,
      inlineImages: false,
      recordCrossOriginIframes: false,
      sampling: RRWEB_SAMPLING,
      // rrweb's own failures must never surface in the host page
      errorHandler: (err: unknown) => {
        warn('rrweb', err);
        return true;
      },
    });
    pageView(emit, open);
    const block = rules.blockSelector;
    parts = [
      clicks(emit, s.clickWindowMs, block),
      moves(emit, s.moveSampleMs, block),
      scrolls(emit),
      forms(emit),
      errors(emit),
    ];
    if (s.surveys.length) parts.push(surveys(emit, s.surveys, s.endpoint));
  }

  function pause(discard: boolean): void {
    if (phase !== 'on') return;
    if (!discard) parts.forEach((p) => p.hide && p.hide());
    parts.forEach((p) => p.stop());
    parts = [];
    if (stopRrweb) stopRrweb();
    stopRrweb = undefined;
    phase = 'paused';
  }

  const excluded = () => matchesAny(location.pathname, s.excludeUrls);

  function navigated(): void {
    const ex = excluded();
    if (phase === 'on') {
      if (ex) {
        pause(false);
        cut();
      } else if (location.href !== page.url) {
        parts.forEach((p) => p.page && p.page());
        pageView(emit, open);
      }
    } else if (phase === 'paused' && !ex) resume();
  }

  function hide(): void {
    if (phase === 'on') parts.forEach((p) => p.hide && p.hide());
    cut();
    persistSession();
    box.hide();
  }

  async function start(): Promise<void> {
    if (phase !== 'idle') return;
    phase = 'starting';
    const mine = ++run;
    const remote = await fetchRemote(base);
    if (mine !== run) return;
    s = merge(base, remote);
    session();
    if (!sampled(s.sampleRate)) {
      phase = 'out';
      early = [];
      return;
    }
    // what the previous page of this tab could not hand over goes first
    box.restore();
    off = [
      listen(window, 'pagehide', hide),
      listen(document, 'visibilitychange', () => document.visibilityState === 'hidden' && hide()),
      onNavigate(navigated),
    ];
    timer = setInterval(
      guard(() => {
        cut();
        box.flush();
      }),
      s.flushIntervalMs,
    );
    phase = 'paused';
    if (!excluded()) resume();
    early.forEach(emit);
    early = [];
  }

  function halt(discard: boolean, final: boolean): void {
    run++;
    pause(discard);
    off.forEach((f) => f());
    off = [];
    clearInterval(timer);
    early = [];
    if (discard) {
      rr = [];
      ev = [];
      size = 0;
      full = false;
      box.clear();
    } else {
      cut();
      box.flush();
    }
    phase = final || phase === 'stopped' ? 'stopped' : 'idle';
  }

  return {
    start: () => void start().catch(warn),
    halt,
    event(o) {
      if (phase === 'starting') early.length < MAX_EARLY && early.push(o);
      else if (phase === 'on') emit(o);
      else warn('not recording, event dropped:', o.t);
    },
    flush() {
      cut();
      return box.flush();
    },
    outbox: box,
  };
}
