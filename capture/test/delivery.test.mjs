// Batching, retries, page-hide delivery and the server's capture config.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { events, open, rrwebText, setup, sleep, until } from './helpers.mjs';

let env;
before(async () => (env = await setup()));
after(() => env.close());
beforeEach(() => env.server.reset());

const hasFull = (p) => p.body.rrweb.some((e) => e.type === 2);

test('batches: size threshold, seq, unique bids, envelope', async () => {
  const { page, context } = await open(env, { opts: { consent: 'granted', maxBatchBytes: 2000, flushIntervalMs: 60000 } });
  await until(() => env.state.ingest.some(hasFull), 'snapshot');
  await page.evaluate(() => {
    for (let i = 0; i < 60; i++) clearsight.track('step', { i, note: 'x'.repeat(40) });
  });
  await page.evaluate(() => clearsight.flush());
  const customs = await until(() => events(env.state, 'custom').length === 60 && events(env.state, 'custom'), '60 events');
  assert.deepEqual(customs.map((e) => e.props.i), [...Array(60).keys()], 'in order, none lost');
  const batches = env.state.ingest.map((p) => p.body).sort((a, b) => a.seq - b.seq);
  const withCustom = batches.filter((b) => b.events.some((e) => e.t === 'custom'));
  assert.ok(withCustom.length >= 4, `${withCustom.length} batches for 60 events`);
  for (const b of withCustom) assert.ok(JSON.stringify(b.events).length < 2000 + 200, 'cut near maxBatchBytes');
  assert.deepEqual(batches.map((b) => b.seq), [...Array(batches.length).keys()], 'seq 0, 1, 2 ...');
  assert.equal(new Set(batches.map((b) => b.bid)).size, batches.length, 'bids unique');
  const snap = batches.find((b) => b.rrweb.some((e) => e.type === 2));
  assert.deepEqual(snap.rrweb.map((e) => e.type), [4, 2], 'the full snapshot travels alone with its meta');
  for (const b of batches) {
    assert.equal(b.v, 1);
    assert.equal(b.key, env.state.key);
    assert.equal(b.sid, batches[0].sid);
    assert.equal(b.vid, batches[0].vid);
    assert.deepEqual(b.consent, { state: 'granted', policy: '' });
    assert.ok(b.sent >= b.events.reduce((m, e) => Math.max(m, e.ts), 0));
    assert.match(b.ua, /Chrome/);
  }
  // the next page of the same tab continues the session and its sequence
  await page.reload();
  await until(() => events(env.state, 'pageview').length >= 2, 'second page');
  await sleep(200);
  const all = env.state.ingest.map((p) => p.body);
  assert.equal(new Set(all.map((b) => b.sid)).size, 1);
  assert.equal(new Set(all.map((b) => b.seq)).size, all.length, 'no seq reused across pages');
  await context.close();
});

test('503 is retried with the same bid until it succeeds', async () => {
  const { page, context } = await open(env, { opts: { consent: 'granted' } });
  await until(() => env.state.ingest.some(hasFull), 'snapshot');
  env.state.ingestReplies.push({ status: 503 }, { status: 503 });
  const t0 = Date.now();
  await page.evaluate(() => clearsight.track('retry-me'));
  await page.evaluate(() => clearsight.flush());
  const posts = env.state.ingest.filter((p) => p.raw.includes('retry-me'));
  assert.equal(posts.length, 3, 'two failures, one success');
  assert.equal(new Set(posts.map((p) => p.body.bid)).size, 1, 'same bid on every try');
  assert.ok(posts[1].at - posts[0].at >= 450, 'backed off');
  assert.ok(posts[2].at - posts[1].at >= posts[1].at - posts[0].at - 600, 'backoff grows');
  assert.ok(Date.now() - t0 < 6000);
  await context.close();
});

test('413 splits the batch into smaller ones with new bids', async () => {
  const { page, context } = await open(env, { opts: { consent: 'granted', flushIntervalMs: 60000 } });
  await until(() => env.state.ingest.some(hasFull), 'snapshot');
  env.state.ingestReplies.push({ status: 413 });
  await page.evaluate(() => {
    for (let i = 0; i < 6; i++) clearsight.track('part', { i });
  });
  await page.evaluate(() => clearsight.flush());
  const posts = env.state.ingest.filter((p) => p.raw.includes('"part"'));
  assert.equal(posts.length, 3, 'refused once, then two halves');
  assert.equal(new Set(posts.map((p) => p.body.bid)).size, 3);
  const delivered = posts.slice(1).flatMap((p) => p.body.events.filter((e) => e.t === 'custom').map((e) => e.props.i));
  assert.deepEqual(delivered, [0, 1, 2, 3, 4, 5]);
  await context.close();
});

test('403 consent-required stops recording', async () => {
  const { page, context } = await open(env, { opts: { consent: 'granted', flushIntervalMs: 200 } });
  await until(() => env.state.ingest.some(hasFull), 'snapshot');
  env.state.ingestReplies.push({
    status: 403,
    headers: { 'Content-Type': 'application/problem+json' },
    body: '{"type":"about:blank","title":"Consent required","status":403,"code":"consent-required"}',
  });
  await page.evaluate(() => clearsight.track('refused'));
  await until(() => env.state.ingest.some((p) => p.raw.includes('refused')), 'refused batch');
  const n = env.state.ingest.length;
  await page.click('#send');
  await page.evaluate(() => clearsight.track('after'));
  await sleep(700);
  assert.equal(env.state.ingest.length, n);
  assert.equal(await page.evaluate(() => clearsight.consent.state()), 'pending');
  await context.close();
});

test('page hide hands everything to a beacon, including a click still being observed', async () => {
  const { page, context } = await open(env, {
    fixture: 'leave',
    opts: { consent: 'granted', flushIntervalMs: 60000, clickWindowMs: 5000 },
  });
  await until(() => env.state.ingest.some(hasFull), 'snapshot');
  await page.evaluate(() => clearsight.track('last-words'));
  await page.click('#away');
  await page.waitForURL('**/elsewhere*');
  const post = await until(() => env.state.ingest.find((p) => p.raw.includes('last-words')), 'beacon');
  assert.equal(post.headers['sec-fetch-mode'], 'no-cors', 'sent by navigator.sendBeacon');
  const click = post.body.events.find((e) => e.t === 'click');
  assert.equal(click.sel, '#away');
  assert.equal(click.fx.nav, true, 'reported early, as a navigation');
  await context.close();
});

test('what could not be handed over is resent first by the next page of the tab', async () => {
  const { page, context } = await open(env, {
    path: '/offline',
    opts: { consent: 'granted', flushIntervalMs: 60000 },
    // on /offline both delivery routes fail
    init: () => {
      if (location.pathname !== '/offline') return;
      navigator.sendBeacon = () => false;
      const realFetch = window.fetch;
      window.fetch = (url, o) =>
        String(url).includes('/ingest') ? Promise.reject(new TypeError('offline')) : realFetch(url, o);
    },
  });
  await page.evaluate(() => clearsight.track('stranded'));
  await sleep(300);
  await page.goto(`${env.server.origin}/online?f=basic`);
  const resent = await until(() => env.state.ingest.find((p) => p.raw.includes('stranded')), 'resent batch');
  // Under load page 2's own first batch can still be on its way: wait for it, or the
  // comparison below would be against "not arrived" (-1) rather than its position.
  await until(() => env.state.ingest.some((p) => p.raw.includes('/online')), 'a batch of page 2');
  const firstOfPage2 = env.state.ingest.findIndex((p) => p.raw.includes('/online'));
  assert.ok(env.state.ingest.indexOf(resent) < firstOfPage2, 'before anything of the new page');
  assert.ok(env.state.ingest.some((p) => hasFull(p) && p.raw.includes('/offline')), 'page 1 snapshot resent too');
  await sleep(300);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('cs_pending')), null);
  await context.close();
});

test('capture config: excluded URLs record nothing, blockSelectors apply, fetched once', async () => {
  env.state.config = { excludeUrls: ['/account/statements/*', '/private/**'], blockSelectors: ['#intro'] };
  const { page, context } = await open(env, { path: '/account/statements/2024', opts: { consent: 'granted' } });
  await page.click('#send');
  await page.evaluate(() => clearsight.track('excluded'));
  await sleep(600);
  await page.goto(`${env.server.origin}/private/a/b?f=basic`);
  await page.click('#send');
  await sleep(600);
  assert.equal(env.state.ingest.filter((p) => p.raw.includes('/account/') || p.raw.includes('/private/')).length, 0);
  await page.goto(`${env.server.origin}/account/statements/2024/pdf?f=basic`); // * stays within a segment
  await until(() => env.state.ingest.some(hasFull), 'recorded page');
  await page.evaluate(() => clearsight.flush());
  const recorded = rrwebText(env.state);
  assert.ok(recorded.includes('"id":"title"') && !recorded.includes('"id":"intro"'), 'blocked by config');
  assert.ok(recorded.includes('rr_width'));
  // an SPA move into an excluded path pauses recording, and out of it resumes
  await page.evaluate(() => history.pushState({}, '', '/account/statements/2025'));
  await page.evaluate(() => clearsight.track('while-excluded'));
  await page.evaluate(() => history.pushState({}, '', '/account/summary'));
  await page.evaluate(() => clearsight.flush());
  const views = await until(() => {
    const v = events(env.state, 'pageview').filter((e) => e.url.endsWith('/account/summary'));
    return v.length && v;
  }, 'resumed');
  assert.equal(events(env.state, 'custom').length, 0);
  assert.equal(env.state.ingest.filter(hasFull).length, 2, 'a new snapshot on resume');
  assert.equal(env.state.configRequests.length, 1, 'config cached for the session');
  await context.close();
});

test('capture config: sampleRate 0 records nothing this session', async () => {
  env.state.config = { sampleRate: 0 };
  const { page, context } = await open(env, { opts: { consent: 'granted' } });
  await until(() => env.state.consent.length, 'decision still filed');
  await page.click('#send');
  await sleep(600);
  assert.equal(env.state.ingest.length, 0);
  await context.close();
});

test('after 30 idle minutes a new session starts, with its own snapshot and page view', async () => {
  const { page, context } = await open(env, { opts: { consent: 'granted' } });
  await until(() => env.state.ingest.some(hasFull), 'snapshot');
  await page.clock.install();
  await page.click('#send');
  await page.clock.fastForward('31:00');
  await page.click('#box');
  await page.clock.runFor(1000);
  await page.evaluate(() => clearsight.flush());
  const second = await until(() => {
    const sids = [...new Set(env.state.ingest.map((p) => p.body.sid))];
    return sids.length === 2 && env.state.ingest.filter((p) => p.body.sid === sids[1]).map((p) => p.body);
  }, 'a second session');
  assert.equal(second[0].seq, 0);
  assert.deepEqual(second[0].rrweb.map((e) => e.type), [4, 2]);
  const evs = second.flatMap((b) => b.events);
  assert.equal(evs[0].t, 'pageview');
  assert.ok(evs.some((e) => e.t === 'click' && e.sel === '#box'));
  assert.equal(await page.evaluate(() => clearsight.sessionId()), second[0].sid);
  await context.close();
});
