// Consent: nothing before a grant, nothing after a denial or withdrawal, and
// every decision filed on the server.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { events, open, setup, sha256, sleep, until } from './helpers.mjs';

let env;
before(async () => (env = await setup()));
after(() => env.close());
beforeEach(() => env.server.reset());

/** Clicks, moves, types and scrolls: things that would be recorded. */
async function interact(page) {
  await page.click('#send');
  await page.mouse.move(50, 50);
  await sleep(120);
  await page.mouse.move(300, 200);
  await page.fill('#amount', '12000');
  await page.mouse.wheel(0, 600);
  await page.evaluate(() => clearsight.track('tracked', { a: 1 }));
}

test('nothing is stored or sent before consent', async () => {
  const { page, context } = await open(env);
  await interact(page);
  await page.evaluate(() => clearsight.flush());
  await sleep(800);
  const api = env.state.requests.filter((r) => r.path.startsWith('/api/'));
  assert.deepEqual(api, [], 'no request of any kind to the API');
  const stored = await page.evaluate(() => ({
    local: Object.keys(localStorage),
    session: Object.keys(sessionStorage),
    sid: clearsight.sessionId(),
    state: clearsight.consent.state(),
  }));
  assert.deepEqual(stored, { local: [], session: [], sid: '', state: 'pending' });
  await context.close();
});

test('grant files the decision, then recording starts with consent on every batch', async () => {
  const { page, context } = await open(env, { opts: { policyVersion: 'p-2024-06' } });
  const banner = 'We record your visit to improve the site. <b>Accept?</b>';
  await page.evaluate((b) => clearsight.consent.grant({ bannerText: b }), banner);
  const decision = (await until(() => env.state.consent[0], 'consent decision')).body;
  assert.equal(decision.state, 'granted');
  assert.equal(decision.policy, 'p-2024-06');
  assert.equal(decision.banner, sha256(banner));
  assert.equal(decision.source, 'banner');
  assert.equal(decision.key, env.state.key);
  assert.match(decision.vid, /^[0-9a-f-]{36}$/);
  await interact(page);
  await until(() => events(env.state, 'custom').length, 'tracked event');
  for (const { body } of env.state.ingest) {
    assert.deepEqual(body.consent, { state: 'granted', policy: 'p-2024-06' });
    assert.equal(body.vid, decision.vid);
    assert.equal(body.sid, decision.sid);
  }
  assert.equal(await page.evaluate(() => clearsight.consent.state()), 'granted');
  assert.deepEqual(
    await page.evaluate(() => JSON.parse(localStorage.getItem('cs_consent'))),
    { state: 'granted', policy: 'p-2024-06' },
  );
  await context.close();
});

for (const how of ['deny', 'withdraw']) {
  test(`${how} stops recording at once and discards everything unsent`, async () => {
    // a long flush interval keeps interactions in the buffer until the decision
    const { page, context } = await open(env, { opts: { consent: 'granted', flushIntervalMs: 60000 } });
    await until(() => env.state.ingest.some((p) => p.body.rrweb.some((e) => e.type === 2)), 'full snapshot');
    await interact(page);
    await sleep(400); // let the click windows close into the buffer
    const sentBefore = env.state.ingest.length;
    await page.evaluate((h) => clearsight.consent[h]({ bannerText: 'Stop' }), how);
    const state = how === 'deny' ? 'denied' : 'withdrawn';
    await until(() => env.state.consent.some((c) => c.body.state === state), `${state} decision`);
    await interact(page);
    await page.evaluate(() => clearsight.flush());
    // leaving the page must not hand anything over either
    await page.goto(`${env.server.origin}/other?f=basic`);
    await interact(page);
    await sleep(800);
    assert.equal(env.state.ingest.length, sentBefore, 'no batch after the decision');
    assert.equal(events(env.state, 'custom').length, 0, 'the buffered custom event was discarded');
    assert.equal(await page.evaluate(() => sessionStorage.getItem('cs_pending')), null);
    assert.equal(await page.evaluate(() => clearsight.consent.state()), state, 'remembered on the next page');
    await context.close();
  });
}

test('a stored grant starts recording on the next page without asking again', async () => {
  const { page, context } = await open(env, { opts: { policyVersion: 'v1' } });
  await page.evaluate(() => clearsight.consent.grant());
  await until(() => env.state.ingest.length, 'first batch');
  await page.goto(`${env.server.origin}/next?f=basic`);
  await until(() => events(env.state, 'pageview').some((e) => e.url.includes('/next')), 'pageview of page 2');
  assert.equal(env.state.consent.length, 1, 'one decision only');
  const sids = new Set(env.state.ingest.map((p) => p.body.sid));
  assert.equal(sids.size, 1, 'both pages in one session');
  // a new policy version asks again: nothing recorded on it
  await context.addInitScript((key) => (window.CS_OPTS = { projectKey: key, policyVersion: 'v2' }), env.state.key);
  await page.goto(`${env.server.origin}/third?f=basic`);
  await page.click('#send');
  await sleep(700);
  assert.equal(await page.evaluate(() => clearsight.consent.state()), 'pending');
  // page 2 hands its last batch over as it hides; page 3 sends nothing
  assert.ok(!env.state.ingest.some((p) => p.raw.includes('/third')), 'nothing from page 3');
  await context.close();
});

test("init({consent: 'granted'}) files an implicit grant once per visitor and policy", async () => {
  const { page, context } = await open(env, { opts: { consent: 'granted', policyVersion: 'site-7' } });
  await until(() => env.state.consent.length, 'implicit decision');
  assert.equal(env.state.consent[0].body.source, 'site');
  assert.equal(env.state.consent[0].body.policy, 'site-7');
  await page.reload();
  await until(() => events(env.state, 'pageview').length >= 2, 'second pageview');
  assert.equal(env.state.consent.length, 1);
  await context.close();
});

test('calls before init and a second init do not throw', async () => {
  const { page, context, errors } = await open(env, { noInit: true });
  const result = await page.evaluate(async (key) => {
    clearsight.track('early');
    clearsight.identify('u1');
    clearsight.experiment('e', 'v');
    clearsight.stop();
    await clearsight.consent.grant();
    clearsight.consent.deny();
    await clearsight.flush();
    const before = [clearsight.consent.state(), clearsight.sessionId()];
    clearsight.init({ projectKey: key });
    clearsight.init({ projectKey: key, consent: 'granted' });
    return before;
  }, env.state.key);
  assert.deepEqual(result, ['pending', '']);
  await sleep(300);
  assert.deepEqual(errors, []);
  assert.equal(env.state.requests.filter((r) => r.path.startsWith('/api/')).length, 0);
  await context.close();
});
