// Shared test plumbing: one Chromium and one fixture server per test file.
import { createHash } from 'node:crypto';
import { chromium } from 'playwright-core';
import { startServer } from './server.mjs';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function setup() {
  const server = await startServer();
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ARGS,
  });
  return {
    server,
    state: server.state,
    browser,
    async close() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * A fresh browser context (fresh storage) with a page at `path` serving
 * `fixture`. `opts` become init() options; `noInit` leaves init to the test.
 */
export async function open(env, { fixture = 'basic', path = '/page', opts = {}, noInit = false, init } = {}) {
  const context = await env.browser.newContext({ viewport: { width: 1000, height: 700 } });
  await context.addInitScript(
    ([o, skip]) => {
      window.CS_OPTS = o;
      window.CS_NOINIT = skip;
    },
    [{ projectKey: env.state.key, ...opts }, noInit],
  );
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${env.server.origin}${path}${path.includes('?') ? '&' : '?'}f=${fixture}`);
  return { context, page, errors };
}

export async function until(fn, what = 'condition', timeout = 6000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** All interaction events received so far, optionally of one tag. */
export const events = (state, t) => state.ingest.flatMap((p) => p.body.events).filter((e) => !t || e.t === t);

/** All rrweb events received so far, as one JSON string to search in. */
export const rrwebText = (state) => state.ingest.map((p) => JSON.stringify(p.body.rrweb)).join('\n');

export const sha256 = (s) => createHash('sha256').update(s, 'utf8').digest('hex');
