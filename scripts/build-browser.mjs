// Bundles the browser entry (src/browser.ts) into one ES module, dist/browser/distill-vq.js (+ source map).
// esbuild's 'browser' platform makes any Node-only import (node:*, fs, the 'webgpu' package's native
// binding) a build error, so nothing Node-only can slip into the browser build.
// Usage: node scripts/build-browser.mjs [--entry src/x.ts --out dist/browser/x.js] [--quiet]
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { statSync } from 'node:fs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : dflt; };
const quiet = args.includes('--quiet');

/**
 * Bundles one entry for browsers; throws (with esbuild's messages) on any Node-only import.
 * `entry` is a path (relative to the repo) or { contents, resolveDir } for generated code; `plugins` run
 * before the Node-only guard (the browser test runner uses them to link its harness to the library bundle).
 */
export async function bundleForBrowser(entry, outfile, { minify = false, plugins = [] } = {}) {
  const NODE_ONLY = /^(node:|webgpu$|fs$|os$|path$|url$|child_process$|worker_threads$)/;
  const guard = {
    name: 'no-node-only',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (a) => {
        if (NODE_ONLY.test(a.path)) {
          return { errors: [{ text: `Node-only import '${a.path}' in ${relative(root, a.importer || a.resolveDir)} cannot go into the browser bundle` }] };
        }
        return undefined;
      });
    },
  };
  return build({
    ...(typeof entry === 'string'
      ? { entryPoints: [resolve(root, entry)] }
      : { stdin: { contents: entry.contents, resolveDir: entry.resolveDir, sourcefile: 'generated-entry.ts', loader: 'ts' } }),
    outfile: resolve(root, outfile),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022', 'chrome113'],
    sourcemap: true,
    minify,
    metafile: true,
    logLevel: 'silent',
    plugins: [...plugins, guard],
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  execFileSync(process.execPath, [join(root, 'scripts', 'gen-shaders.mjs')], { stdio: 'inherit' });
  const entry = opt('--entry', 'src/browser.ts');
  const out = opt('--out', 'dist/browser/distill-vq.js');
  try {
    await bundleForBrowser(entry, out);
  } catch (e) {
    const errs = e.errors ?? [];
    console.error(`build-browser: ${entry} failed:`);
    for (const m of errs) console.error(`  ${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`);
    if (!errs.length) console.error(e);
    process.exit(1);
  }
  if (!quiet) console.log(`build-browser: ${out} (${(statSync(resolve(root, out)).size / 1024).toFixed(1)} KiB) + .map`);
}
