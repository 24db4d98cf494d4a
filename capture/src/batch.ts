// Batches: the unit of delivery, shaped as events.py's `Batch`.
//
// Events are kept as JSON strings from the moment they are recorded: the
// size estimate is then exact, the body is a string join, and a batch can be
// split (on 413, or to fit a beacon) without serialising anything twice.
import { uuid } from './ids';
import { nextSeq } from './session';

export interface Batch {
  bid: string;
  seq: number;
  sid: string;
  vid: string;
  policy: string;
  /** rrweb events, each as JSON. */
  r: string[];
  /** Interaction events, each as JSON. */
  e: string[];
  /** Holds a full snapshot: the last thing to drop under memory pressure. */
  full?: boolean;
  size: number;
}

const sizeOf = (items: string[]) => items.reduce((n, s) => n + s.length + 1, 0);

export function makeBatch(sid: string, vid: string, policy: string, r: string[], e: string[], full?: boolean): Batch {
  return { bid: uuid(), seq: nextSeq(), sid, vid, policy, r, e, full, size: sizeOf(r) + sizeOf(e) };
}

export function body(b: Batch, key: string): string {
  const q = JSON.stringify;
  return (
    `{"v":1,"key":${q(key)},"sid":${q(b.sid)},"vid":${q(b.vid)},"seq":${b.seq},"bid":${q(b.bid)},` +
    `"sent":${Date.now()},"consent":${q({ state: 'granted', policy: b.policy })},` +
    `"rrweb":[${b.r.join(',')}],"events":[${b.e.join(',')}],"ua":${q(navigator.userAgent)}}`
  );
}

/** Two smaller batches with new ids, or undefined when `b` holds one event. */
export function split(b: Batch): Batch[] | undefined {
  const { r, e } = b;
  const half = (a: string[]) => a.length >> 1;
  const mk = (r2: string[], e2: string[]) =>
    makeBatch(b.sid, b.vid, b.policy, r2, e2, b.full && r2.some((s) => s.startsWith('{"type":2')));
  if (r.length > 1) return [mk(r.slice(0, half(r)), e), mk(r.slice(half(r)), [])];
  if (e.length > 1) return [mk(r, e.slice(0, half(e))), mk([], e.slice(half(e)))];
  if (r.length && e.length) return [mk(r, []), mk([], e)];
  return undefined;
}
