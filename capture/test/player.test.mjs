// The player bundle replays what the capture bundle recorded.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { open, setup, sleep, until } from './helpers.mjs';

let env;
before(async () => (env = await setup()));
after(() => env.close());

test('player.js replays a recorded session, masked as recorded', async () => {
  const rec = await open(env, { opts: { consent: 'granted' } });
  await until(() => env.state.ingest.some((p) => p.body.rrweb.some((e) => e.type === 2)), 'snapshot');
  await rec.page.evaluate(() => {
    document.querySelector('#title').textContent = 'Changed title';
  });
  await sleep(200);
  await rec.page.evaluate(() => clearsight.flush());
  assert.deepEqual(rec.errors, []);
  await rec.context.close();
  const recorded = env.state.ingest.flatMap((p) => p.body.rrweb).sort((a, b) => a.timestamp - b.timestamp);

  const { page, context, errors } = await open(env, { fixture: 'player' });
  const html = await page.evaluate((events) => {
    const replayer = new window.rrwebReplay.Replayer(events, { root: document.querySelector('#stage') });
    replayer.pause(events[events.length - 1].timestamp - events[0].timestamp);
    return replayer.iframe.contentDocument.body.innerHTML;
  }, recorded);
  assert.deepEqual(errors, []);
  assert.ok(html.includes('id="box"'), 'the page structure is there');
  assert.ok(html.includes('******* *****'), 'the changed title, masked');
  assert.ok(!html.includes('Apply for'), 'no clear text');
  await context.close();
});
