// A tiny stand-in for the clearsight server: serves the built bundle and the
// fixture pages, records every request to the API, and answers ingest with
// whatever a test scripted.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const staticDir = join(here, '../../src/clearsight/web/static');

export async function startServer() {
  const state = {
    /** the project key of the running test */
    key: 'pk_test',
    /** every POST /api/v1/ingest: { body (parsed), raw, headers, at } */
    ingest: [],
    consent: [],
    configRequests: [],
    /** the capture-config answer; undefined means 404 */
    config: undefined,
    /** scripted ingest answers, used up in order: { status, headers?, body? } */
    ingestReplies: [],
    requests: [],
  };

  const server = createServer(async (req, res) => {
    const url = new URL(req.url, 'http://x');
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString('utf8');
    const send = (status, body = '', headers = {}) => {
      res.writeHead(status, headers);
      res.end(body);
    };
    // Requests carrying another test's project key (a beacon from a page a
    // previous test closed) are answered but not recorded.
    let key = url.searchParams.get('key');
    try {
      key = key || JSON.parse(raw).key;
    } catch {}
    if (url.pathname.startsWith('/api/') && key && key !== state.key) return send(200, '{}');
    state.requests.push({ method: req.method, path: url.pathname, headers: req.headers });

    if (req.method === 'POST' && url.pathname === '/api/v1/ingest') {
      state.ingest.push({ body: JSON.parse(raw), raw, headers: req.headers, at: Date.now() });
      const r = state.ingestReplies.shift() || { status: 200, body: '{}' };
      return send(r.status, r.body || '', { 'Content-Type': 'application/json', ...r.headers });
    }
    if (req.method === 'POST' && url.pathname === '/api/v1/consent') {
      state.consent.push({ body: JSON.parse(raw), raw, headers: req.headers, at: Date.now() });
      return send(200, '{}', { 'Content-Type': 'application/json' });
    }
    if (url.pathname === '/api/v1/capture-config') {
      state.configRequests.push(url.searchParams.get('key'));
      return state.config === undefined
        ? send(404, '{"code":"not-found"}', { 'Content-Type': 'application/problem+json' })
        : send(200, JSON.stringify(state.config), { 'Content-Type': 'application/json' });
    }
    const built = { '/capture.js': 'text/javascript', '/capture-survey.js': 'text/javascript', '/player.js': 'text/javascript', '/player.css': 'text/css' };
    if (built[url.pathname]) {
      return send(200, await readFile(join(staticDir, url.pathname.slice(1))), { 'Content-Type': built[url.pathname] });
    }
    if (url.pathname === '/init.js') {
      return send(200, await readFile(join(here, 'fixtures/init.js')), { 'Content-Type': 'text/javascript' });
    }
    // Any other path serves the fixture named by ?f= (default "basic"), so
    // tests can choose the URL a page lives at (for excludeUrls, SPA paths).
    const name = (url.searchParams.get('f') || 'basic').replace(/[^\w-]/g, '');
    try {
      return send(200, await readFile(join(here, 'fixtures', `${name}.html`)), {
        'Content-Type': 'text/html; charset=utf-8',
        'Cache-Control': 'no-store',
      });
    } catch {
      return send(404, 'no such fixture');
    }
  });

  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return {
    state,
    origin,
    reset() {
      for (const k of ['ingest', 'consent', 'configRequests', 'ingestReplies', 'requests']) state[k] = [];
      state.config = undefined;
      state.key = `pk_${Math.random().toString(36).slice(2, 10)}`;
    },
    close: () =>
      new Promise((r) => {
        server.close(r);
        server.closeAllConnections();
      }),
  };
}
