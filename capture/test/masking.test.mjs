// Private by default: what reaches the rrweb payload, checked on the bytes
// the server receives.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { open, rrwebText, setup, sleep, until } from './helpers.mjs';

let env;
let text = '';
before(async () => {
  env = await setup();
  env.state.config = { blockSelectors: ['.cfg-block'] };
  const { page, context } = await open(env, {
    fixture: 'masking',
    opts: {
      consent: 'granted',
      maskSelectors: ['.private-note'],
      unmaskSelectors: ['.public-area'],
      blockSelectors: ['.opt-block'],
    },
  });
  await until(() => rrwebText(env.state).includes('"type":2'), 'full snapshot');
  const typed = {
    '#plain': 'typed outside',
    '#u-text': 'typed-visible',
    '#u-pw': 'hunter2hunter2',
    '#u-email': 'jane@example.org',
    '#u-tel': '07700900123',
    '#u-num': '987654',
    '#u-cc': '4111111111111111',
  };
  for (const [sel, value] of Object.entries(typed)) await page.type(sel, value);
  // content added later goes through rrweb's mutation path, not the snapshot
  await page.evaluate(() => {
    const p = document.createElement('p');
    p.textContent = 'Late secret text';
    document.body.append(p);
    document.querySelector('#blk').textContent = 'Blocked zebra changed';
    document.querySelector('[data-cs-unmask] h2').textContent = 'Visible changed heading';
    document.querySelector('#portrait').setAttribute('title', 'Jane Doe again');
  });
  await sleep(500);
  await page.evaluate(() => clearsight.flush());
  text = rrwebText(env.state);
  await context.close();
});
after(() => env.close());

test('text outside [data-cs-unmask] is masked, keeping its shape', () => {
  assert.ok(!text.includes('Secret balance'));
  assert.ok(!text.includes('4821'));
  assert.ok(text.includes('****** ******* **** ******'), 'masked with * per character, spaces kept');
  assert.ok(!text.includes('Late secret text'), 'mutations are masked too');
  assert.ok(text.includes('**** ****** ****'));
});

test('text in attributes (alt, title, aria-label, placeholder, button values) is masked too', () => {
  assert.ok(!text.includes('Jane'), 'no attribute text leaked');
  assert.ok(text.includes('"alt":"******** ** **** ***"'));
  assert.ok(text.includes('"value":"*** **** ***"'));
  assert.ok(text.includes('Visible alt text'), 'unless in an unmasked area');
});

test('text inside [data-cs-unmask] or unmaskSelectors is recorded', () => {
  assert.ok(text.includes('Visible heading'));
  assert.ok(text.includes('Visible changed heading'));
  assert.ok(text.includes('Unmasked by option'));
});

test('[data-cs-mask] and maskSelectors mask even inside an unmasked area', () => {
  assert.ok(!text.includes('Forced mask inside'));
  assert.ok(!text.includes('Masked by option'));
});

test('input values are masked outside unmasked areas, keeping their length', () => {
  assert.ok(!text.includes('typed outside'));
  assert.ok(!text.includes('prefilled-outside'));
  assert.ok(text.includes(`"text":"${'*'.repeat('typed outside'.length)}"`));
});

test('ordinary inputs inside [data-cs-unmask] are recorded', () => {
  assert.ok(text.includes('"text":"typed-visible"'));
});

test('password, email, tel, number, hidden and card fields are never unmasked', () => {
  for (const secret of ['hunter2', 'jane@example', '07700900123', '987654', 'csrf-token-hidden', '4111111111']) {
    assert.ok(!text.includes(secret), `${secret} leaked`);
  }
  assert.ok(text.includes(`"text":"${'*'.repeat('hunter2hunter2'.length)}"`));
});

test('[data-cs-block], blockSelectors and config blockSelectors are left out entirely', () => {
  for (const word of ['zebra', 'Blocked', 'giraffe', 'walrus']) assert.ok(!text.includes(word), `${word} leaked`);
  assert.ok(text.includes('rr_width'), 'blocked elements keep a sized placeholder');
});
