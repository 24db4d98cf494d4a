// Session and visitor identity.
//
// The session lives in sessionStorage so that the pages of one visit (one
// tab) share it and continue its batch sequence; 30 minutes without activity
// start a new one. The visitor id lives in localStorage and is only created
// once consent allows it, or to file a consent decision.
import { uuid } from './ids';
import { load, save } from './storage';

export const IDLE_MS = 30 * 60 * 1000;
const SESSION = 'cs_sess';
const VISITOR = 'cs_vid';

interface Session {
  id: string;
  /** Last activity, ms since epoch. */
  seen: number;
  /** Next batch sequence number. */
  seq: number;
}

let cur: Session | undefined;
let vid: string | undefined;

function stored(): Session | undefined {
  return cur || (cur = load<Session>('sessionStorage', SESSION));
}

export function persistSession(): void {
  if (cur) save('sessionStorage', SESSION, cur);
}

export function expired(now = Date.now()): boolean {
  const s = stored();
  return !s || !(now - s.seen <= IDLE_MS);
}

/** The live session, created or rotated as needed, marked active now. */
export function session(now = Date.now()): Session {
  if (expired(now)) {
    cur = { id: uuid(), seen: now, seq: 0 };
    persistSession();
  }
  const s = cur as Session;
  s.seen = now;
  return s;
}

/** The id batches are cut under: the current session's, even if it just expired. */
export function sessionId(): string {
  return (stored() || session()).id;
}

/** The current session id without creating one ('' when there is none). */
export function peekSessionId(): string {
  return expired() ? '' : (cur as Session).id;
}

/** Takes the next sequence number of the current session, never rotating it:
 * a batch cut because the session expired still belongs to the old one. */
export function nextSeq(): number {
  const s = stored() || session();
  const n = s.seq++;
  persistSession();
  return n;
}

/** 32-bit FNV-1a over the UTF-16 code units of `text`. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Whether this session is in the sample: a function of its id, so the server
 * (privacy/rules.py `in_sample`) takes the same decision for every batch. */
export function sampled(rate: number): boolean {
  if (rate >= 1) return true;
  return fnv1a(session().id) / 4294967296 < rate;
}

export function visitorId(): string {
  if (!vid) {
    vid = load<string>('localStorage', VISITOR) || uuid();
    save('localStorage', VISITOR, vid);
  }
  return vid;
}
