// Project rules from the server's capture config: whole pages allowed by
// unmaskUrls, and sampling decided by the session id exactly as the server
// decides it (src/clearsight/privacy/rules.py, in_sample).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { open, rrwebText, setup, sleep, until } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const python = [process.env.CS_PYTHON, join(here, '../../.venv/bin/python'), 'python3'].find(
  (p) => p && spawnSync(p, ['-c', 'import clearsight.privacy.rules']).status === 0,
);

let env;
before(async () => (env = await setup()));
beforeEach(() => env.server.reset());
after(() => env.close());

async function recordMaskingPage() {
  const { page, context } = await open(env, { fixture: 'masking', opts: { consent: 'granted' } });
  await until(() => rrwebText(env.state).includes('"type":2'), 'full snapshot');
  await page.type('#u-pw', 'hunter2hunter2');
  await page.type('#plain', 'typed on an open page');
  await page.click('#outside'); // rrweb sends an input's last value once focus moves on
  await sleep(200);
  await page.evaluate(() => clearsight.flush());
  await sleep(300);
  const text = rrwebText(env.state);
  await context.close();
  return text;
}

test('unmaskUrls: a listed page records its text; mask rules and secret inputs still hold', async () => {
  env.state.config = { unmaskUrls: ['/pa*'] };
  const text = await recordMaskingPage();
  assert.ok(text.includes('Secret balance 4821 pounds'), 'text outside [data-cs-unmask] recorded');
  assert.ok(text.includes('typed on an open page'), 'ordinary inputs recorded');
  assert.ok(!text.includes('Forced mask inside'), '[data-cs-mask] still masks');
  assert.ok(!text.includes('hunter2'), 'passwords never recorded');
  assert.ok(!text.includes('Blocked zebra'), 'blocks still block');
});

test('unmaskUrls for other pages leave this one masked', async () => {
  env.state.config = { unmaskUrls: ['/other/**'] };
  const text = await recordMaskingPage();
  assert.ok(!text.includes('Secret balance'));
  assert.ok(!text.includes('typed on an open page'));
});

test('sampling follows the session id, the same way the server samples', { skip: !python && 'no Python with clearsight' }, async () => {
  env.state.config = { sampleRate: 0.5 };
  const seen = [];
  for (let i = 0; i < 6; i++) {
    const { page, context } = await open(env, { opts: { consent: 'granted' } });
    await until(() => env.state.configRequests.length > i, 'config fetched');
    await sleep(300);
    const sid = await page.evaluate(() => clearsight.sessionId());
    await page.click('#send');
    await page.evaluate(() => clearsight.flush());
    await sleep(300);
    seen.push([sid, env.state.ingest.some((p) => p.body.sid === sid)]);
    await context.close();
  }
  const code = 'import json,sys\nfrom clearsight.privacy.rules import in_sample\n' +
    'print(json.dumps([in_sample(s, 0.5) for s in json.load(sys.stdin)]))';
  const r = spawnSync(python, ['-c', code], { input: JSON.stringify(seen.map((s) => s[0])), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), seen.map((s) => s[1]));
});
