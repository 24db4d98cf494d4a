// Every body the script POSTs must decode with the server's own structs
// (src/clearsight/events.py). Needs a Python with msgspec: the repo's .venv,
// $CS_PYTHON, or python3; skipped when none has it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { events, open, setup, sleep, until } from './helpers.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const python = [process.env.CS_PYTHON, join(here, '../../.venv/bin/python'), 'python3'].find(
  (p) => p && spawnSync(p, ['-c', 'import msgspec']).status === 0,
);

let env;
before(async () => (env = await setup()));
after(() => env.close());

test('every POST body matches events.py', { skip: !python && 'no Python with msgspec' }, async () => {
  // a survey that the error click below brings up
  env.state.config = {
    surveys: [
      {
        id: 'why',
        trigger: 'frustration',
        questions: [
          { id: 'c', type: 'choice', text: 'What went wrong?', options: ['Error', 'Other'] },
          { id: 'r', type: 'rating', text: 'Rate it', scale: 5 },
          { id: 't', type: 'text', text: 'Tell us more' },
        ],
      },
    ],
  };
  const { page, context } = await open(env, { opts: { consent: 'granted', policyVersion: 'v9' } });
  await until(() => env.state.ingest.length, 'recording');
  await page.mouse.move(100, 100);
  await sleep(150);
  await page.click('#amount');
  await page.keyboard.type('abc');
  await page.click('#send');
  await page.mouse.wheel(0, 500);
  await sleep(400);
  await page.evaluate(() => {
    clearsight.identify('c-1', { plan: 'x', n: 2.5 });
    clearsight.track('evt', { ok: true });
    clearsight.experiment('exp', 'a');
    setTimeout(() => {
      throw new Error('contract');
    });
  });
  await page.click('#spa');
  await page.click('#throw');
  const survey = page.getByRole('dialog');
  await survey.getByRole('button', { name: 'Error' }).click();
  await survey.getByRole('button', { name: '2 / 5' }).click();
  await survey.getByRole('textbox').fill('It broke');
  await survey.getByRole('button', { name: 'Send' }).click();
  await sleep(1200);
  await page.evaluate(() => clearsight.consent.withdraw({ bannerText: 'bye', source: 'settings' }));
  await until(() => env.state.consent.length === 2, 'decisions');
  const seen = new Set(events(env.state).map((e) => e.t));
  for (const t of ['pageview', 'click', 'move', 'scroll', 'error', 'submit', 'field', 'custom', 'identify', 'experiment', 'survey'])
    assert.ok(seen.has(t), `scenario produced a ${t} event`);
  const input = JSON.stringify({
    ingest: env.state.ingest.map((p) => p.raw),
    consent: env.state.consent.map((p) => p.raw),
  });
  const r = spawnSync(python, [join(here, 'contract_check.py')], { input, encoding: 'utf8' });
  assert.equal(r.status, 0, `contract violations:\n${r.stdout}${r.stderr}`);
  await context.close();
});
