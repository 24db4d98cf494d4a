// The visitor's consent: its state, where it is remembered, and the ledger
// entry every decision files on the server (events.py `ConsentDecision`).
import type { Settings } from './config';
import { deliver } from './http';
import { hex } from './ids';
import { warn } from './log';
import { peekSessionId, session, visitorId } from './session';
import { load, save } from './storage';

export type State = 'pending' | 'granted' | 'denied' | 'withdrawn';
export type Decided = Exclude<State, 'pending'>;

export interface Decision {
  policyVersion?: string;
  /** The banner text the visitor saw; only its SHA-256 is sent. */
  bannerText?: string;
  /** Where the decision was taken: 'banner' unless told otherwise. */
  source?: string;
}

export interface Consent {
  state(): State;
  policy(): string;
  /** Records a decision; resolves once the server has it (or retries gave up). */
  decide(state: Decided, d: Decision): Promise<void>;
  /** Back to pending, remembered nowhere (the server refused our consent). */
  forget(): void;
}

const KEY = 'cs_consent';

async function sha256(text: string): Promise<string> {
  if (!text) return '';
  try {
    return hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  } catch {
    // crypto.subtle exists only on https (and localhost)
    warn('cannot hash the banner text outside a secure context');
    return '';
  }
}

export function consent(s: Settings): Consent {
  let policy = s.policyVersion;
  const stored = load<{ state: State; policy: string }>('localStorage', KEY);
  // A decision counts only for the policy version it was given for.
  let state: State = stored && stored.policy === policy ? stored.state : 'pending';

  async function decide(next: Decided, d: Decision): Promise<void> {
    state = next;
    if (d.policyVersion !== undefined) policy = String(d.policyVersion);
    save('localStorage', KEY, { state, policy });
    const entry = {
      v: 1,
      key: s.projectKey,
      vid: visitorId(),
      state: next,
      ts: Date.now(),
      policy,
      banner: '',
      source: d.source ? String(d.source) : 'banner',
      sid: next === 'granted' ? session().id : peekSessionId(),
    };
    entry.banner = await sha256(d.bannerText ? String(d.bannerText) : '');
    const body = JSON.stringify(entry);
    const res = await deliver(`${s.endpoint}/api/v1/consent`, () => body, () => true);
    if (typeof res === 'string' || !res.ok) warn('consent decision not accepted by the server', res);
  }

  return {
    state: () => state,
    policy: () => policy,
    decide,
    forget() {
      state = 'pending';
      save('localStorage', KEY, undefined);
    },
  };
}
