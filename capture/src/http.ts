// The HTTP primitives shared by batch delivery and consent decisions.

/** Browsers cap keepalive requests and beacons at 64 KiB in flight. */
export const KEEPALIVE_MAX = 60000;
const MAX_TRIES = 8;
const CAP_MS = 30000;

export const utf8Length = (s: string) => new TextEncoder().encode(s).length;

export function post(url: string, body: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    body,
    keepalive: utf8Length(body) < KEEPALIVE_MAX,
    // text/plain is a "simple" content type: no CORS preflight round trip
    headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
    // never send the site's cookies to the recording server
    credentials: 'omit',
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** 1 s, 2 s, 4 s ... capped at 30 s, with jitter in the upper half. */
export function backoff(attempt: number): number {
  const base = Math.min(CAP_MS, 1000 * 2 ** attempt);
  return base / 2 + (Math.random() * base) / 2;
}

function retryAfter(res: Response): number {
  const h = res.headers.get('Retry-After');
  if (!h) return 0;
  const ms = /^\d+$/.test(h) ? Number(h) * 1000 : Date.parse(h) - Date.now();
  return ms > 0 ? Math.min(ms, 300000) : 0;
}

const retriable = (status: number) => status === 408 || status === 429 || status >= 500;

export type Outcome = Response | 'gave-up' | 'cancelled';

/**
 * POSTs `body()` until it gets a non-retriable answer, retrying network
 * errors, 408, 429 and 5xx with backoff (or Retry-After) up to 8 tries.
 * `alive()` is checked before every retry: a caller can give up early.
 */
export async function deliver(url: string, body: () => string, alive: () => boolean): Promise<Outcome> {
  for (let attempt = 0; ; attempt++) {
    let wait = backoff(attempt);
    try {
      const res = await post(url, body());
      if (!retriable(res.status)) return res;
      wait = Math.max(wait, retryAfter(res));
    } catch {
      // network error or CORS refusal: retry like a 5xx
    }
    if (attempt + 1 >= MAX_TRIES) return 'gave-up';
    await sleep(wait);
    if (!alive()) return 'cancelled';
  }
}
