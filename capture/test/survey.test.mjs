// Micro-surveys: targeting, triggers, sampling, consent gating, the widget's
// accessibility, and answers travelling as `survey` events in the batches.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { events, open, rrwebText, setup, sleep, until } from './helpers.mjs';

let env;
before(async () => (env = await setup()));
after(() => env.close());
beforeEach(() => env.server.reset());

const QUESTIONS = [
  { id: 'reason', type: 'choice', text: 'What stopped you today?', options: ['Fees unclear', 'Need documents', 'Just looking'] },
  { id: 'ease', type: 'rating', text: 'How easy was this step?', scale: 5, low: 'Very hard', high: 'Very easy' },
  { id: 'more', type: 'text', text: 'Anything else we should know?', maxLength: 200 },
];

function survey(extra = {}) {
  return { id: 'stopped', title: 'Quick question', questions: QUESTIONS, trigger: 'time', seconds: 0, ...extra };
}

const configure = (...surveys) => (env.state.config = { surveys });

/** A page with consent granted, once its recording has started. */
async function recording(o = {}) {
  const opened = await open(env, { ...o, opts: { consent: 'granted' } });
  await until(() => events(env.state, 'pageview').length, 'recording');
  return opened;
}
const widgetRequests = () => env.state.requests.filter((r) => r.path === '/capture-survey.js').length;
const dialog = (page) => page.getByRole('dialog');
const shown = (page) => page.locator('[data-cs-survey]').count();

test('a survey shows after consent, is answered by keyboard, and its answers go out in the batches', async () => {
  configure(survey());
  const { page, context, errors } = await open(env, { opts: { consent: 'granted' } });
  await dialog(page).waitFor();
  assert.equal(await dialog(page).getAttribute('aria-modal'), 'false');
  // labelled by its title; the first choice has focus (nobody was typing)
  assert.equal(await page.getByRole('dialog', { name: 'Quick question' }).count(), 1);
  const group = page.getByRole('group', { name: 'What stopped you today?' });
  assert.equal(await group.getByRole('button').count(), 3);
  assert.equal(await page.evaluate(() => document.activeElement.dataset.csSurvey), 'stopped');
  assert.equal(await page.locator('[data-cs-survey]').evaluate((h) => h.shadowRoot.activeElement.textContent), 'Fees unclear');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter'); // "Need documents"
  // the rating step: buttons named with their meaning, focus on the first
  const rating = page.getByRole('group', { name: 'How easy was this step?' });
  assert.equal(await rating.getByRole('button', { name: '5 / 5, Very easy' }).count(), 1);
  await rating.getByRole('button', { name: '4 / 5' }).press('Enter');
  const text = page.getByRole('textbox', { name: 'Anything else we should know?' });
  await until(async () => (await text.evaluate((t) => t.getRootNode().activeElement === t)), 'focus on the textarea');
  assert.equal(await text.getAttribute('maxlength'), '200');
  await page.keyboard.type('The fee table was confusing');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter'); // Send
  await dialog(page).getByText('Thank you for your feedback.').waitFor();
  await until(async () => (await shown(page)) === 0, 'the widget to close itself', 5000);

  await page.evaluate(() => clearsight.flush());
  const answers = await until(() => events(env.state, 'survey').length === 3 && events(env.state, 'survey'), 'answers');
  assert.deepEqual(
    answers.map(({ survey, question, qtype, answer }) => ({ survey, question, qtype, answer })),
    [
      { survey: 'stopped', question: 'reason', qtype: 'choice', answer: 'Need documents' },
      { survey: 'stopped', question: 'ease', qtype: 'rating', answer: '4' },
      { survey: 'stopped', question: 'more', qtype: 'text', answer: 'The fee table was confusing' },
    ],
  );
  const pv = events(env.state, 'pageview')[0];
  for (const a of answers) {
    assert.equal(a.pv, pv.pv);
    assert.equal(a.url, pv.url);
  }
  // nothing of the widget is in the recording: neither its words nor what was typed
  const recorded = rrwebText(env.state);
  for (const words of ['What stopped you', 'Fees unclear', 'fee table', 'Quick question'])
    assert.ok(!recorded.includes(words), `"${words}" must not be recorded`);
  assert.ok(recorded.includes('rr_width'), 'the host is recorded as a blocked, empty box');
  // clicks and keys inside the widget are not page interactions
  assert.equal(events(env.state, 'click').length, 0);
  assert.equal(events(env.state, 'field').length, 0);
  assert.equal(widgetRequests(), 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test('no survey, no widget download and no survey storage before consent or after a denial', async () => {
  configure(survey());
  const { page, context } = await open(env);
  await sleep(600);
  assert.equal(await shown(page), 0);
  await page.evaluate(() => clearsight.consent.deny());
  await page.reload();
  await sleep(600);
  assert.equal(await shown(page), 0);
  assert.equal(widgetRequests(), 0);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('cs_svy')), null);
  // granting consent is what lets it show
  await page.evaluate(() => clearsight.consent.grant());
  await dialog(page).waitFor();
  await context.close();
});

test('withdrawing consent removes a survey on screen', async () => {
  configure(survey());
  const { page, context } = await open(env, { opts: { consent: 'granted' } });
  await dialog(page).waitFor();
  await page.evaluate(() => clearsight.consent.withdraw());
  assert.equal(await shown(page), 0);
  await context.close();
});

test('dismissed with Escape or the close button, and shown at most once per session', async () => {
  configure(survey({ id: 'a' }), survey({ id: 'b', title: 'Second' }));
  const { page, context } = await open(env, { opts: { consent: 'granted' } });
  await dialog(page).waitFor();
  assert.equal(await page.locator('[data-cs-survey]').getAttribute('data-cs-survey'), 'a');
  await page.keyboard.press('Escape');
  assert.equal(await shown(page), 0);
  // one survey per page view: "b" waits for the next page
  await sleep(400);
  assert.equal(await shown(page), 0);
  await page.reload();
  await page.getByRole('dialog', { name: 'Second' }).waitFor();
  await page.getByRole('button', { name: 'Close survey' }).click();
  assert.equal(await shown(page), 0);
  await page.reload();
  await sleep(700);
  assert.equal(await shown(page), 0, 'neither shows again in this session');
  await page.evaluate(() => clearsight.flush());
  await sleep(300);
  assert.equal(events(env.state, 'survey').length, 0, 'dismissing sends no answer');
  // a new session (a new tab context) may see them again
  const other = await open(env, { opts: { consent: 'granted' } });
  await dialog(other.page).waitFor();
  await other.context.close();
  await context.close();
});

test('focus stays in the field the visitor is typing in', async () => {
  configure(survey({ seconds: 1 }));
  const { page, context } = await open(env, { opts: { consent: 'granted' } });
  await page.click('#amount');
  await page.keyboard.type('120');
  await dialog(page).waitFor();
  await page.keyboard.type('00');
  assert.equal(await page.inputValue('#amount'), '12000');
  await context.close();
});

test('targeting by URL glob, also after a same-document navigation', async () => {
  configure(survey({ urls: ['/step-*', '/loan/*/income'] }));
  const { page, context } = await recording({ path: '/apply' });
  await sleep(500);
  assert.equal(await shown(page), 0);
  assert.equal(widgetRequests(), 0, 'no download on a page no survey targets');
  await page.click('#spa'); // pushState to /step-2
  await dialog(page).waitFor();
  await page.goto(`${env.server.origin}/loan/77/income/extra?f=basic`);
  await sleep(500);
  assert.equal(await shown(page), 0, '* stays within one segment');
  await context.close();
});

test('after N seconds on the page', async () => {
  configure(survey({ seconds: 2 }));
  const { page, context } = await recording();
  await sleep(1000);
  assert.equal(await shown(page), 0);
  await dialog(page).waitFor({ timeout: 3000 });
  await context.close();
});

test('exit intent: the pointer leaves through the top of the window', async () => {
  configure(survey({ trigger: 'exit' }));
  const { page, context } = await recording();
  await page.mouse.move(400, 300);
  await page.mouse.move(400, 720, { steps: 4 }); // out through the bottom: not exit intent
  await page.mouse.move(1020, 300, { steps: 4 }); // nor through the side
  await sleep(400);
  assert.equal(await shown(page), 0);
  await page.mouse.move(400, 300, { steps: 4 });
  await page.mouse.move(400, -20, { steps: 4 });
  await dialog(page).waitFor();
  await context.close();
});

test('frustration: a rage click (3 clicks within 1 s and 30 px), not scattered clicks', async () => {
  configure(survey({ trigger: 'frustration' }));
  const { page, context } = await recording();
  // three clicks, but far apart in space, then in time
  await page.mouse.click(100, 120);
  await page.mouse.click(300, 120);
  await page.mouse.click(100, 220);
  await page.mouse.click(200, 200);
  await sleep(1100);
  await page.mouse.click(200, 200);
  await page.mouse.click(205, 203);
  await sleep(300);
  assert.equal(await shown(page), 0);
  await page.mouse.click(210, 205); // third within 1 s of the last two
  await dialog(page).waitFor();
  await context.close();
});

test('frustration: rage clicks on a disabled button count, though browsers fire no click there', async () => {
  configure(survey({ trigger: 'frustration' }));
  const { page, context } = await recording();
  await page.evaluate(() =>
    document.body.insertAdjacentHTML(
      'afterbegin',
      '<button id="dead" disabled style="position:fixed;left:600px;top:40px;width:140px;height:44px">Continue</button>',
    ),
  );
  for (let i = 0; i < 3; i++) await page.mouse.click(660 + i * 4, 60);
  await dialog(page).waitFor();
  await context.close();
});

test('frustration: an error click', async () => {
  configure(survey({ trigger: 'frustration' }));
  const { page, context } = await recording();
  await page.evaluate(() => setTimeout(() => Promise.reject(new Error('not after a click'))));
  await sleep(1200);
  assert.equal(await shown(page), 0);
  // activated from the keyboard: a click with no pointer (the mouse case is in contract.test.mjs)
  await page.focus('#throw');
  await page.keyboard.press('Enter');
  await dialog(page).waitFor();
  await context.close();
});

/** The draw capture.js makes for a session and survey (FNV-1a, as in survey.ts). */
function draw(sid, id) {
  const s = `${sid}/${id}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0) / 4294967296;
}

test('sampling: drawn once per session and survey, so a reload does not draw again', async () => {
  const sids = Array.from({ length: 40 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  const inside = sids.find((s) => draw(s, 'half') < 0.5);
  const outside = sids.find((s) => draw(s, 'half') >= 0.5);
  const drawn = sids.map((s) => draw(s, 'half') < 0.5).filter(Boolean).length;
  assert.ok(drawn > 10 && drawn < 30, `the draw spreads sessions (${drawn}/40 in)`);
  configure(survey({ id: 'half', sampleRate: 0.5 }), survey({ id: 'never', sampleRate: 0 }));
  for (const [sid, expected] of [
    [inside, 1],
    [outside, 0],
  ]) {
    const session = JSON.stringify({ id: sid, seen: Date.now(), seq: 0 });
    const init = { content: `sessionStorage.setItem('cs_sess', ${JSON.stringify(session)})` };
    const { page, context } = await recording({ init });
    await sleep(600);
    assert.equal(await page.evaluate(() => clearsight.sessionId()), sid);
    assert.equal(await shown(page), expected, `session ${sid}`);
    if (expected) assert.equal(await page.locator('[data-cs-survey]').getAttribute('data-cs-survey'), 'half');
    await context.close();
  }
});

test('on a phone-sized screen the widget spans the width at the bottom, with 44 px targets', async () => {
  configure(survey());
  const { page, context } = await open(env, { opts: { consent: 'granted' } });
  await page.setViewportSize({ width: 375, height: 700 });
  const box = await until(() => dialog(page).boundingBox(), 'widget box');
  assert.equal(Math.round(box.x), 8);
  assert.equal(Math.round(box.width), 375 - 16);
  assert.ok(Math.abs(box.y + box.height - (700 - 8)) <= 1, 'at the bottom');
  for (const b of await dialog(page).getByRole('button').all()) assert.ok((await b.boundingBox()).height >= 44);
  await context.close();
});

test('under a strict Content-Security-Policy (no inline styles) the widget is still styled', async () => {
  configure(survey());
  const { page, context, errors } = await open(env, { fixture: 'csp', opts: { consent: 'granted' } });
  await dialog(page).waitFor();
  assert.equal(await dialog(page).evaluate((d) => getComputedStyle(d).position), 'fixed');
  assert.deepEqual(errors, []);
  await context.close();
});
