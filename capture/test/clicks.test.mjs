// Click events: selector, geometry, flags, and what each click caused.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { events, open, setup, sleep, until } from './helpers.mjs';

const WINDOW_MS = 300;
let env;
let page;
let context;
before(async () => {
  env = await setup();
});
after(() => env.close());
beforeEach(async () => {
  if (context) await context.close();
  env.server.reset();
  ({ page, context } = await open(env, { fixture: 'clicks', opts: { consent: 'granted', clickWindowMs: WINDOW_MS } }));
  await until(() => env.state.ingest.length, 'recording');
});

/** Clicks `sel` (at an offset, if given) and returns the click event received for it. */
async function clickOn(sel, options = {}) {
  const before = events(env.state, 'click').length;
  await page.click(sel, options);
  await sleep(WINDOW_MS + 100);
  await page.evaluate(() => clearsight.flush());
  return until(() => events(env.state, 'click')[before], `click on ${sel}`);
}

const NO_EFFECT = { mut: false, nav: false, scroll: false, focus: false, err: false, inval: false };

test('geometry: rect in page coordinates, rx/ry inside it, page x/y', async () => {
  await page.evaluate(() => window.scrollTo(0, 0));
  const c = await clickOn('#add', { position: { x: 50, y: 10 } });
  const { box, border } = await page.evaluate(() => {
    const el = document.querySelector('#add');
    const r = el.getBoundingClientRect();
    return { box: [r.left + scrollX, r.top + scrollY, r.width, r.height], border: [el.clientLeft, el.clientTop] };
  });
  // Playwright's position is relative to the padding box
  const [dx, dy] = [50 + border[0], 10 + border[1]];
  assert.equal(c.sel, '#add');
  assert.equal(c.tag, 'button');
  box.forEach((v, i) => assert.ok(Math.abs(c.rect[i] - v) < 0.2, `rect[${i}]`));
  assert.ok(Math.abs(c.rx - dx / box[2]) < 0.01, `rx ${c.rx}`);
  assert.ok(Math.abs(c.ry - dy / box[3]) < 0.03, `ry ${c.ry}`);
  assert.ok(Math.abs(c.x - (box[0] + dx)) < 1 && Math.abs(c.y - (box[1] + dy)) < 1);
  assert.deepEqual([c.vw, c.vh], [1000, 700]);
  assert.ok(c.dh > 1500);
  assert.equal(c.n, 1);
  assert.equal(c.inter, true);
  assert.equal(c.fixed, false);
  assert.equal(c.t, 'click');
  assert.ok(c.pv && c.url.endsWith('/page?f=clicks'));
});

test('a click in a sticky header is fixed, with page coordinates after scrolling', async () => {
  await page.evaluate(() => window.scrollTo(0, 400));
  await sleep(100);
  const c = await clickOn('#menu');
  assert.equal(c.fixed, true);
  assert.equal(c.sy, 400);
  assert.ok(c.y >= 400 && c.y <= 450, `y ${c.y}`);
  assert.ok(c.rx >= 0 && c.rx <= 1 && c.ry >= 0 && c.ry <= 1);
});

test('effects: a DOM change is mut', async () => {
  const c = await clickOn('#add');
  assert.deepEqual(c.fx, { ...NO_EFFECT, mut: true });
});

test('effects: pushState is nav', async () => {
  const c = await clickOn('#nav');
  assert.equal(c.fx.nav, true);
  assert.equal(c.url.endsWith('/page?f=clicks'), true, 'the click keeps the URL it happened on');
});

test('effects: an error thrown by the handler is err', async () => {
  const c = await clickOn('#boom');
  assert.equal(c.fx.err, true);
  const e = await until(() => events(env.state, 'error')[0], 'error event');
  assert.match(e.msg, /handler failed/);
  assert.ok(e.line > 0);
});

test('effects: focus moved elsewhere is focus', async () => {
  const c = await clickOn('#modal');
  assert.deepEqual(c.fx, { ...NO_EFFECT, focus: true });
});

test('effects: a failed validation is inval, and a role=alert appearing is too', async () => {
  const c = await clickOn('#submit');
  assert.equal(c.fx.inval, true);
  const f = await until(() => events(env.state, 'field').find((e) => e.ev === 'invalid'), 'invalid field');
  assert.equal(f.sel, 'input[name="email"]');
  const a = await clickOn('#alert-btn');
  assert.equal(a.fx.inval, true);
  assert.equal(a.fx.mut, true);
});

test('a dead click: nothing happened, nothing interactive', async () => {
  const c = await clickOn('#dead');
  assert.deepEqual(c.fx, NO_EFFECT);
  assert.equal(c.inter, false);
  assert.equal(c.sel, '#dead');
  assert.equal(c.tag, 'div');
});

test('a click on a disabled button is still attributed to the button', async () => {
  // force: Playwright would otherwise wait for the button to become enabled
  const c = await clickOn('#off-label', { force: true });
  assert.equal(c.sel, '#off');
  assert.equal(c.tag, 'button');
  assert.equal(c.dis, true);
  assert.equal(c.inter, true);
  const f = await clickOn('#in-fieldset', { force: true });
  assert.equal(f.sel, '#in-fieldset');
  assert.equal(f.dis, true);
  await sleep(200);
  assert.equal(events(env.state, 'click').length, 2, 'each reported once');
});

test('regulatory areas, double clicks and label clicks', async () => {
  const r = await clickOn('#terms');
  assert.equal(r.reg, true);
  assert.equal(r.tag, 'a');
  const before = events(env.state, 'click').length;
  await page.dblclick('#dead');
  await sleep(WINDOW_MS + 100);
  await page.evaluate(() => clearsight.flush());
  const two = await until(() => events(env.state, 'click').slice(before).length >= 2 && events(env.state, 'click').slice(before));
  assert.deepEqual(two.map((c) => c.n), [1, 2]);
  const l = await clickOn('#lab');
  await sleep(200);
  assert.equal(l.sel, '#lab');
  assert.equal(events(env.state, 'click').filter((c) => c.sel === '#modal-input').length, 0, 'the label click is one click');
});

test('stable selectors are unique and avoid generated ids', async () => {
  const cases = [
    ['#list li:nth-child(2) span', '#list>li:nth-of-type(2)>span'],
    ['#ember1234 button', 'body>div:nth-of-type(3)>div>button'],
    ['[data-testid=save-button]', '[data-testid="save-button"]'],
    ['input[name=modal-field]', '#modal-input'],
  ];
  for (const [target, expected] of cases) {
    const c = await clickOn(target);
    assert.equal(c.sel, expected);
    const same = await page.evaluate(
      ([sel, t]) => document.querySelectorAll(sel).length === 1 && document.querySelector(sel) === document.querySelector(t),
      [c.sel, target],
    );
    assert.ok(same, `${c.sel} names the clicked element alone`);
  }
});
