// Scroll depth, pointer dwell, form fields, page views and API events.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { events, open, setup, sleep, until } from './helpers.mjs';

let env;
let page;
let context;
before(async () => {
  env = await setup();
  ({ page, context } = await open(env, { opts: { consent: 'granted' } }));
  await until(() => env.state.ingest.length, 'recording');
});
after(async () => {
  await context.close();
  await env.close();
});

const flushed = async () => {
  await page.evaluate(() => clearsight.flush());
  return env.state;
};

test('scroll: one event per settled scroll, with the deepest point reached', async () => {
  await page.evaluate(() => window.scrollTo(0, 1200));
  await sleep(400);
  await page.evaluate(() => window.scrollTo(0, 300));
  await sleep(400);
  const s = await until(async () => events(await flushed(), 'scroll').length >= 2 && events(env.state, 'scroll'), 'scrolls');
  assert.equal(s.length, 2, 'debounced: one event per settled scroll');
  assert.deepEqual(
    s.map((e) => [e.sy, e.max, e.vh]),
    [
      [1200, 1900, 700],
      [300, 1900, 700],
    ],
  );
  assert.ok(s[1].dh > 3000);
  await page.evaluate(() => window.scrollTo(0, 0));
  await sleep(350);
});

test('move: samples say where the pointer rested and for how long', async () => {
  const before = events(env.state, 'move').length;
  const box = await page.evaluate(() => {
    const r = document.querySelector('#box').getBoundingClientRect();
    return { x: r.left, y: r.top, w: r.width, h: r.height };
  });
  await page.mouse.move(box.x + 100, box.y + 150); // rx 0.25, ry 0.5
  await sleep(600);
  await page.mouse.move(box.x + 300, box.y + 30);
  await sleep(250);
  await page.mouse.move(5, 5);
  const moves = await until(async () => {
    const m = events(await flushed(), 'move').slice(before);
    return m.length >= 2 && m;
  }, 'move samples');
  const [rest, next] = moves;
  assert.equal(rest.sel, '#box');
  assert.ok(Math.abs(rest.rx - 0.25) < 0.01 && Math.abs(rest.ry - 0.5) < 0.01, `${rest.rx},${rest.ry}`);
  assert.ok(rest.dwell >= 550 && rest.dwell < 1500, `dwell ${rest.dwell}`);
  assert.ok(next.dwell >= 200 && next.dwell < 1000, `dwell ${next.dwell}`);
  assert.ok(next.rx > 0.7 && next.ry < 0.2);
  assert.equal(rest.x, Math.round((box.x + 100) * 10) / 10);
  for (const k of ['vw', 'vh', 'dh', 'fixed', 'pv', 'url', 'ts']) assert.ok(k in rest, k);
});

test('move: a resting pointer is reported every 2 s', async () => {
  await page.mouse.move(600, 100);
  const at = events(env.state, 'move').length;
  await sleep(2300);
  const m = await until(async () => events(await flushed(), 'move').slice(at)[0], 'resting sample');
  assert.ok(m.dwell >= 1950 && m.dwell <= 2600, `dwell ${m.dwell}`);
});

test('field: focus, blur with time, edits, corrections and filled; never the value', async () => {
  await page.click('#amount');
  await page.keyboard.type('qzxjw');
  await page.keyboard.press('Backspace');
  await page.keyboard.press('Backspace');
  await sleep(100);
  await page.click('textarea');
  await page.click('#send');
  const fields = await until(async () => {
    const f = events(await flushed(), 'field');
    return f.filter((e) => e.ev === 'blur').length >= 2 && f;
  }, 'field events');
  const amount = fields.filter((e) => e.sel === '#amount');
  assert.deepEqual(amount.map((e) => e.ev), ['focus', 'blur']);
  const blur = amount[1];
  assert.equal(blur.edits, 7);
  assert.equal(blur.dels, 2);
  assert.equal(blur.filled, true);
  assert.ok(blur.dur >= 100);
  const purpose = fields.find((e) => e.sel === 'textarea[name="purpose"]' && e.ev === 'blur');
  assert.equal(purpose.filled, false);
  const raw = env.state.ingest.map((p) => JSON.stringify(p.body.events)).join();
  assert.ok(!raw.includes('qzx') && !raw.includes('qz'), 'no value in interaction events');
  const submit = await until(() => events(env.state, 'submit')[0], 'submit');
  assert.equal(submit.sel, '#apply');
});

test('identify, track and experiment', async () => {
  await page.evaluate(() => {
    clearsight.identify('cust-42', { tier: 'gold', score: 3, nested: { no: 1 } });
    clearsight.track('quote_shown', { amount: 5000, ok: true, none: null });
    clearsight.experiment('new-form', 'b');
  });
  await flushed();
  const id = await until(() => events(env.state, 'identify')[0], 'identify');
  assert.equal(id.uid, 'cust-42');
  assert.deepEqual(id.traits, { tier: 'gold', score: 3 });
  const c = events(env.state, 'custom')[0];
  assert.deepEqual([c.name, c.props], ['quote_shown', { amount: 5000, ok: true, none: null }]);
  const x = events(env.state, 'experiment')[0];
  assert.deepEqual([x.exp, x.variant], ['new-form', 'b']);
  for (const e of [id, c, x]) assert.ok(e.pv && e.url && e.ts);
});

test('errors: window errors and unhandled rejections', async () => {
  await page.evaluate(() => {
    setTimeout(() => {
      throw new Error('x'.repeat(600));
    });
    Promise.reject(new TypeError('nope'));
  });
  await sleep(100);
  const errs = await until(async () => {
    const e = events(await flushed(), 'error');
    return e.length >= 2 && e;
  }, 'errors');
  const thrown = errs.find((e) => e.msg.includes('xxx'));
  assert.equal(thrown.msg.length, 500);
  assert.ok(thrown.line > 0 && thrown.col > 0);
  assert.ok(errs.some((e) => e.msg === 'TypeError: nope'));
});

test('SPA navigation: a new page view with a fresh id, events carry it', async () => {
  const first = events(env.state, 'pageview')[0];
  await page.click('#spa');
  await page.evaluate(() => history.replaceState({ same: 1 }, '')); // same URL: no page view
  await page.click('#box');
  await page.evaluate(() => {
    location.hash = 'part';
  });
  await sleep(400);
  const views = await until(async () => {
    const v = events(await flushed(), 'pageview');
    return v.length >= 3 && v;
  }, 'page views');
  assert.equal(views.length, 3);
  assert.equal(first.title, '**** ***********', 'the title is text: masked like the rest');
  assert.ok(views[1].url.endsWith('/step-2'));
  assert.equal(views[1].ref, first.url);
  assert.ok(views[2].url.endsWith('/step-2#part'));
  assert.equal(new Set(views.map((v) => v.pv)).size, 3);
  const click = events(env.state, 'click').find((c) => c.sel === '#box');
  assert.equal(click.pv, views[1].pv);
  assert.ok(click.url.endsWith('/step-2'));
});
