// Builds the browser bundles (capture.js, its survey widget, the replay
// player) into the Python package's static folder.
// Plain esbuild calls: the bundles are small and a bundler config file
// would only hide what happens.
import { build } from 'esbuild';
import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rrwebSlim } from './build/rrweb-slim.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '../src/clearsight/web/static');
const require = createRequire(import.meta.url);

const common = {
  bundle: true,
  minify: true,
  format: 'iife',
  target: 'es2018',
  legalComments: 'none',
  logLevel: 'warning',
};

await mkdir(out, { recursive: true });
await Promise.all([
  build({
    ...common,
    entryPoints: [join(here, 'src/index.ts')],
    outfile: join(out, 'capture.js'),
    plugins: [rrwebSlim],
  }),
  // the survey widget, fetched by capture.js only when a survey targets the page
  build({
    ...common,
    entryPoints: [join(here, 'src/survey-widget.ts')],
    outfile: join(out, 'capture-survey.js'),
  }),
  build({
    ...common,
    entryPoints: [join(here, 'player/index.ts')],
    outfile: join(out, 'player.js'),
  }),
  copyFile(require.resolve('@rrweb/replay/dist/style.css'), join(out, 'player.css')),
]);
