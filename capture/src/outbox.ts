// Delivery of batches to /api/v1/ingest.
//
// Batches go out one at a time, in order. A batch keeps its bid through
// retries, so the server stores it once however often it arrives; that is
// also what lets page hide hand a batch to a beacon while a fetch of it may
// still be in flight.
import { type Batch, body, split } from './batch';
import { KEEPALIVE_MAX, deliver, utf8Length, post } from './http';
import { warn } from './log';
import { load, save } from './storage';

const PENDING = 'cs_pending';
/** Undelivered bytes kept in memory before old batches are dropped. */
const MAX_QUEUED = 5 * 1024 * 1024;

export interface Outbox {
  add(b: Batch): void;
  /** Resolves when everything queued so far is delivered or given up. */
  flush(): Promise<void>;
  /** The page is hiding: hand everything to beacons, stash the rest. */
  hide(): void;
  /** Queue batches a previous page of this tab could not hand over. */
  restore(): void;
  /** Forget everything undelivered, here and in storage. */
  clear(): void;
  /** Hold deliveries until `p` settles (a consent decision on its way). */
  after(p: Promise<unknown>): void;
}

export function outbox(endpoint: string, key: string, onConsentRefused: () => void): Outbox {
  const url = `${endpoint}/api/v1/ingest`;
  let queue: Batch[] = [];
  let running: Promise<void> | undefined;
  let gate: Promise<unknown> = Promise.resolve();

  /** Sends one batch; returns the batches that replace it (after a 413). */
  async function send(b: Batch): Promise<Batch[] | undefined> {
    const res = await deliver(url, () => body(b, key), () => queue.includes(b));
    if (typeof res === 'string') {
      if (res === 'gave-up') warn('batch not delivered after 8 tries, dropped', b.bid);
      return;
    }
    if (res.ok) return;
    if (res.status === 413) {
      const parts = split(b);
      if (!parts) warn('a single event is too large for the server, dropped');
      return parts;
    }
    let code = '';
    try {
      code = res.status === 403 ? (await res.json()).code : '';
    } catch {
      // not problem+json
    }
    if (code === 'consent-required') onConsentRefused();
    else warn('batch refused with', res.status, 'dropped');
    return undefined;
  }

  async function loop(): Promise<void> {
    await gate;
    while (queue.length) {
      const b = queue[0];
      const next = await send(b).catch((e) => void warn(e));
      const i = queue.indexOf(b);
      if (i >= 0) queue.splice(i, 1, ...(next || []));
    }
  }

  function pump(): Promise<void> {
    // .finally runs asynchronously, so `running` is always set before it is cleared
    if (!running) running = loop().finally(() => (running = undefined));
    return running;
  }

  /** Drops the oldest batches without a full snapshot; never the one in flight. */
  function trim(): void {
    let total = queue.reduce((n, b) => n + b.size, 0);
    for (let i = 1; total > MAX_QUEUED && i < queue.length; ) {
      if (queue[i].full) i++;
      else {
        total -= queue[i].size;
        queue.splice(i, 1);
        warn('undelivered data over 5 MB: dropped the oldest batch');
      }
    }
  }

  /** Pieces of `b` small enough for a beacon (one too-big event stays whole). */
  function pieces(b: Batch, out: Batch[]): Batch[] {
    const parts = utf8Length(body(b, key)) > KEEPALIVE_MAX && split(b);
    if (parts) parts.forEach((p) => pieces(p, out));
    else out.push(b);
    return out;
  }

  function beacon(b: Batch): boolean {
    const data = body(b, key);
    if (utf8Length(data) > KEEPALIVE_MAX) return false;
    try {
      const blob = new Blob([data], { type: 'text/plain;charset=UTF-8' });
      if (navigator.sendBeacon && navigator.sendBeacon(url, blob)) return true;
      // No beacon: a keepalive fetch may still get through, but its outcome
      // comes too late to know, so the batch is stashed as well (same bid).
      post(url, data).catch(() => undefined);
    } catch {
      // beacon refused outright
    }
    return false;
  }

  function stash(batches: Batch[]): void {
    let all = (load<Batch[]>('sessionStorage', PENDING) || []).concat(batches);
    while (all.length && !save('sessionStorage', PENDING, all)) {
      warn('session storage full: dropped a pending batch');
      all = all.slice(1);
    }
  }

  return {
    add(b) {
      queue.push(b);
      trim();
      pump();
    },
    flush: pump,
    hide() {
      const left: Batch[] = [];
      for (const b of queue.splice(0)) for (const p of pieces(b, [])) if (!beacon(p)) left.push(p);
      if (left.length) stash(left);
    },
    restore() {
      const pending = load<Batch[]>('sessionStorage', PENDING);
      save('sessionStorage', PENDING, undefined);
      if (pending && pending.length) {
        queue = pending.concat(queue);
        pump();
      }
    },
    clear() {
      queue = [];
      save('sessionStorage', PENDING, undefined);
    },
    after(p) {
      gate = Promise.all([gate, p]).catch(() => undefined);
    },
  };
}
