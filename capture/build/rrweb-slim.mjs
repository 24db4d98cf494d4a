// esbuild plugin: removes from @rrweb/record the code for features that
// clearsight never turns on, because rrweb's record() wires them up whatever
// the options say, so tree-shaking cannot drop them:
//
// - canvas recording (CanvasManager, its 2D/WebGL patching and an inlined
//   web worker): recordCanvas is always false, canvases are replayed empty;
// - font collection (initFontObserver): collectFonts is always false.
//
// This is about 3 KB of the gzipped bundle. Each cut is located by exact
// source markers of the pinned @rrweb/record version; if a marker is missing
// or a removed name is still referenced, the build fails rather than ship a
// broken recorder.
import { readFile } from 'node:fs/promises';

const CUTS = [
  {
    what: 'canvas recording',
    from: 'var chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";',
    to: 'class StylesheetManager {',
    stub: 'class CanvasManager { reset() {} freeze() {} unfreeze() {} lock() {} unlock() {} }\n',
    keep: ['CanvasManager'],
  },
  {
    what: 'font collection',
    from: 'function initFontObserver(',
    to: 'function initSelectionObserver(',
    stub: 'function initFontObserver() { return () => {}; }\n',
    keep: ['initFontObserver'],
  },
];

const DEFINED = /^(?:var|const|let|function|class)\s+([A-Za-z_$][\w$]*)/gm;

export function slim(source) {
  let out = source;
  for (const cut of CUTS) {
    const a = out.indexOf(cut.from);
    const b = out.indexOf(cut.to, a);
    if (a < 0 || b < 0) throw new Error(`rrweb-slim: markers for ${cut.what} not found; check the @rrweb/record version`);
    const removed = out.slice(a, b);
    out = out.slice(0, a) + `/* clearsight: ${cut.what} removed */\n` + cut.stub + out.slice(b);
    for (const [, name] of removed.matchAll(DEFINED)) {
      if (cut.keep.includes(name)) continue;
      if (new RegExp(`(?<![\\w$.])${name.replace(/\$/g, '\\$')}(?![\\w$])`).test(out.replace(/"[^"\n]*"/g, '""')))
        throw new Error(`rrweb-slim: ${name} is removed with ${cut.what} but still used`);
    }
  }
  return out;
}

export const rrwebSlim = {
  name: 'rrweb-slim',
  setup(build) {
    build.onLoad({ filter: /@rrweb[\\/]record[\\/]dist[\\/]record\.js$/ }, async (args) => ({
      contents: slim(await readFile(args.path, 'utf8')),
      loader: 'js',
    }));
  },
};
