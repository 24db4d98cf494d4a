// `npm test` runs this first: (re)build the bundles when they are missing or
// older than their sources, so the tests never drive a stale capture.js.
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outputs = ['capture.js', 'capture-survey.js', 'player.js', 'player.css'].map((f) => join(root, '../src/clearsight/web/static', f));

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

const mtime = (p) => {
  try {
    return statSync(p).mtimeMs;
  } catch {
    return 0;
  }
};

const sources = Math.max(
  newest(join(root, 'src')),
  newest(join(root, 'player')),
  newest(join(root, 'build')),
  mtime(join(root, 'build.mjs')),
  mtime(join(root, 'package-lock.json')),
);
if (outputs.some((o) => mtime(o) < sources)) {
  console.log('building bundles');
  execFileSync(process.execPath, [join(root, 'build.mjs')], { stdio: 'inherit' });
}
