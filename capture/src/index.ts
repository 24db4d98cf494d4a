// window.clearsight: the public API. Every method is safe to call at any
// time: before init(), twice, or with odd arguments it does nothing (and says
// so once, in debug mode) rather than throw into the bank's page.
import { type InitOptions, settings } from './config';
import { type Consent, type Decided, type Decision, consent } from './consent';
import { setDebug, warn } from './log';
import { type Recorder, recorder } from './recorder';
import { peekSessionId } from './session';

type Props = Record<string, string | number | boolean | null>;

// document.currentScript is only set while this file first runs.
const scriptOrigin = (() => {
  try {
    return new URL((document.currentScript as HTMLScriptElement).src).origin;
  } catch {
    return location.origin;
  }
})();

let c: Consent | undefined;
let rec: Recorder | undefined;
let misuse = '';
let warned = false;

function once(msg: string): void {
  if (!warned) warn(msg);
  warned = true;
}

/** Before init() there is no debug flag yet: remember the call, report it at init. */
function ready(what: string): boolean {
  if (!rec) misuse = misuse || what;
  return !!rec;
}

/** Event properties travel as flat primitives (events.py `Custom.props`). */
function flat(o: unknown): Props {
  const out: Props = {};
  if (o && typeof o === 'object')
    for (const [k, v] of Object.entries(o)) {
      if (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && isFinite(v)))
        out[k] = v;
      else warn('property dropped, not a string, number, boolean or null:', k);
    }
  return out;
}

function refused(): void {
  warn('the server requires consent: recording stopped, unsent data discarded');
  if (c) c.forget();
  if (rec) rec.halt(true, false);
}

function decide(state: Decided, d: Decision | undefined, method: string): Promise<void> {
  if (!ready(`consent.${method}`) || !c || !rec) return Promise.resolve();
  // stop before anything else can be recorded or sent
  if (state !== 'granted') rec.halt(true, false);
  const p = c.decide(state, d || {}).catch(warn);
  if (state === 'granted') {
    // the ledger should hold the grant before the first batch arrives
    rec.outbox.after(p);
    rec.start();
  }
  return p;
}

function init(o: InitOptions): void {
  if (rec) return once('init() called twice; the second call is ignored');
  if (!o || !o.projectKey) {
    setDebug(!!(o && o.debug));
    return warn('init() needs a projectKey; nothing will be recorded');
  }
  const s = settings(o, scriptOrigin);
  setDebug(s.debug);
  if (misuse) once(`${misuse}() was called before init() and ignored`);
  const cs = (c = consent(s));
  const r = (rec = recorder(s, cs.policy, refused));
  // Consent collected by the site itself is filed once per visitor and
  // policy. A denial or withdrawal the visitor gave us for this policy wins:
  // only an explicit consent.grant() overrides it.
  if (o.consent === 'granted' && cs.state() === 'pending') decide('granted', { source: 'site' }, 'grant');
  else if (cs.state() === 'granted') r.start();
}

function event(what: string, ev: { t: string; [k: string]: unknown }): void {
  if (ready(what) && rec) rec.event({ ...ev, ts: Date.now() });
}

const api = {
  init,
  consent: {
    grant: (d?: Decision) => decide('granted', d, 'grant'),
    deny: (d?: Decision) => decide('denied', d, 'deny'),
    withdraw: (d?: Decision) => decide('withdrawn', d, 'withdraw'),
    state: () => (c ? c.state() : 'pending'),
  },
  identify(uid: string, traits?: Props): void {
    event('identify', { t: 'identify', uid: String(uid), traits: flat(traits) });
  },
  track(name: string, props?: Props): void {
    event('track', { t: 'custom', name: String(name), props: flat(props) });
  },
  experiment(exp: string, variant: string): void {
    event('experiment', { t: 'experiment', exp: String(exp), variant: String(variant) });
  },
  flush: (): Promise<void> => (rec ? rec.flush() : Promise.resolve()),
  stop(): void {
    if (ready('stop') && rec) rec.halt(false, true);
  },
  sessionId: (): string => (rec ? peekSessionId() : ''),
};

export type ClearsightApi = typeof api;

// A second copy of the script on the same page must not record twice.
const w = window as unknown as { clearsight?: ClearsightApi };
if (!w.clearsight) w.clearsight = api;
