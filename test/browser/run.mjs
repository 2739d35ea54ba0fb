#!/usr/bin/env node
// Browser test runner (npm run test:browser): bundles the library (dist/browser/distill-vq.js) and the in-page
// harness with every test/browser/cases/*.ts, serves the repository on 127.0.0.1 (random free port), drives
// headless Chromium (/usr/bin/chromium, WebGPU on its SwiftShader adapter) with playwright-core, runs the
// kernel reference tests IN THE PAGE, then checks the demo page (test/browser/demo-checks.mjs: its search
// returns the same ids as Node on the same demo index, built by scripts/make-demo-index.mjs; a tiny Distill-VQ
// run in the page; the kernel benchmark table; errors shown on the page when WebGPU is missing) and saves
// screenshots to bench/results/browser-demo.png and browser-train.png.
// Prints one line per result and `browser: N passed, M failed`; exits non-zero on any failure or page error.
// Env: SEED=n replays a run's random inputs; ONLY=text runs the matching cases; CHROMIUM=path; HEADFUL=1;
// DEMO_ONLY=1 skips the kernel tests (demo page checks only).
import { readdirSync, readFileSync, mkdirSync } from 'node:fs';
import { join, basename, sep, resolve as resolvePath } from 'node:path';
import { build as esbuild } from 'esbuild';
import { chromium } from 'playwright-core';
import { bundleForBrowser } from '../../scripts/build-browser.mjs';
import { serve, repoRoot } from '../../examples/browser/serve.mjs';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { makeDemoIndex, DEMO_INDEX } from '../../scripts/make-demo-index.mjs';
import { demoChecks } from './demo-checks.mjs';

const t0 = Date.now();
const CASES_DIR = join(repoRoot, 'test', 'browser', 'cases');
const LIB_URL = '/dist/browser/distill-vq.js';
export const CHROMIUM_FLAGS = ['--no-sandbox', '--enable-unsafe-webgpu', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];
// The page suite takes ~2.5 min on an idle 2-core machine. It fails when one test runs longer than STALL_MS
// (the page logs each test's start and end) or the whole suite longer than PAGE_TIMEOUT_MS.
const STALL_MS = 240_000;
const PAGE_TIMEOUT_MS = 1_500_000;

const results = [];
const skipped = [];
const record = (name, ok, detail = '', skip = false) => {
  const lines = String(detail).split('\n').filter((l) => l.length);
  if (skip) { skipped.push(name); console.log(`SKIP ${name}`); for (const l of lines) console.log(`     ${l}`); return; }
  results.push({ name, ok, detail });
  console.log(`${ok ? 'PASS' : 'FAIL'} ${name}`);
  for (const l of lines) if (!ok || !l.startsWith('ok ')) console.log(`     ${l}`);
};

// 1. Bundles: the library exactly as users get it, then the harness linked to it (not a second copy).
execFileSync(process.execPath, [join(repoRoot, 'scripts', 'gen-shaders.mjs')], { stdio: 'inherit' });
const caseFiles = readdirSync(CASES_DIR).filter((f) => f.endsWith('.ts')).sort();
// The Node kernel test files run in the page too (same references, same assertions).
const NODE_TESTS = readdirSync(join(repoRoot, 'test')).filter((f) => /^kernel-.*\.test\.ts$/.test(f)).sort();
const TEST_OUT = 'dist/browser/test';
const kernelsTested = new Set();
const srcDir = join(repoRoot, 'src') + sep, testDir = join(repoRoot, 'test') + sep;
/** Links test code to the library bundle: imports of src/ from test/ become imports of the bundle (not a
 *  second copy), the Node engine factory becomes the page's engine, tap becomes the shim, and Node-only
 *  modules imported by test helpers become stubs that throw if called (the page never calls them). The
 *  library (src/) gets no such pass: a Node-only import there fails the build. */
const linkToBundle = {
  name: 'link-tests-to-bundle',
  setup(b) {
    b.onResolve({ filter: /.*/ }, (a) => {
      const importer = a.importer || a.resolveDir;
      if (!importer.startsWith(testDir)) return undefined;
      if (a.path === 'tap') return { path: join(repoRoot, 'test', 'browser', 'tap-shim.ts') };
      if (/^(node:|webgpu$)/.test(a.path)) return { path: a.path, namespace: 'node-stub' };
      if (!a.path.startsWith('.')) return undefined;
      const abs = resolvePath(a.resolveDir, a.path).replace(/\.js$/, '');
      if (!abs.startsWith(srcDir)) return undefined;
      if (abs === join(repoRoot, 'src', 'node', 'create')) return { path: join(repoRoot, 'test', 'browser', 'node-create-stub.ts') };
      const k = /\/src\/kernels\/([^/]+)$/.exec(abs);
      if (k) kernelsTested.add(k[1]);
      return { path: LIB_URL, external: true };
    });
    b.onLoad({ filter: /.*/, namespace: 'node-stub' }, (a) => ({
      contents: `module.exports = new Proxy({}, { get: (_, k) => k === '__esModule' ? false : () => { throw new Error('${a.path}: Node-only, not available in the browser'); } });`,
      loader: 'js',
    }));
  },
};
try {
  await bundleForBrowser('src/browser.ts', 'dist/browser/distill-vq.js');
  record('bundle dist/browser/distill-vq.js (platform browser, no Node-only imports)', true);
  const entry = [
    "import { runAll } from './harness.js';",
    ...caseFiles.map((f, i) => `import * as c${i} from './cases/${f.replace(/\.ts$/, '.js')}';`),
    `const tests = ${JSON.stringify(NODE_TESTS.map((f) => `/${TEST_OUT}/node/${f.replace(/\.ts$/, '.js')}`))};`,
    `export const results = runAll(tests, [${caseFiles.map((_, i) => `c${i}`).join(', ')}]);`,
  ].join('\n');
  await bundleForBrowser({ contents: entry, resolveDir: join(repoRoot, 'test', 'browser') }, `${TEST_OUT}/harness-entry.js`, { plugins: [linkToBundle] });
  await esbuild({
    entryPoints: NODE_TESTS.map((f) => join(repoRoot, 'test', f)), outdir: join(repoRoot, TEST_OUT, 'node'),
    bundle: true, format: 'esm', platform: 'browser', target: ['es2022', 'chrome113'], sourcemap: true, logLevel: 'silent',
    inject: [join(repoRoot, 'test', 'browser', 'process-shim.ts')], plugins: [linkToBundle],
  });
} catch (e) {
  record('bundle for the browser', false, (e.errors ?? []).map((m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`).join('\n') || String(e));
  finish();
}

// Every kernel wrapper (a src/kernels/*.ts file that runs a kernel; helpers such as row-chunks.ts are not) must be
// imported by a test that runs in the page.
const kernels = readdirSync(join(repoRoot, 'src', 'kernels')).filter((f) => f.endsWith('.ts'))
  .filter((f) => /\.run\(/.test(readFileSync(join(repoRoot, 'src', 'kernels', f), 'utf8'))).map((f) => basename(f, '.ts'));
const missing = kernels.filter((k) => !kernelsTested.has(k));
record(`every kernel is tested in the page (${kernels.join(', ')})`, missing.length === 0,
  missing.length ? `no test/kernel-*.test.ts imports src/kernels/{${missing.join(',')}}.ts` : '');

// 2. The demo index (npm run demo-index; needs dist/) and Node's search results on it, to compare with the page.
let nodeRef = null;
try {
  nodeRef = await nodeReference();
  record(`Node reference: demo index ${DEMO_INDEX} searched in Node (${nodeRef.nq} queries, k ${nodeRef.k}, nprobe ${nodeRef.nprobes.join(' and ')})`, true, `on ${nodeRef.adapter}`);
} catch (e) {
  record('Node reference: build the demo index and search it in Node', false, e.stack ?? String(e));
}

// 3. Server and browser.
const server = await serve();
let browser;
try {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: !process.env.HEADFUL,
    args: CHROMIUM_FLAGS,
  });
} catch (e) {
  record('launch chromium', false, e.message);
  await server.close();
  finish();
}

/** Opens a page and collects what went wrong on it: uncaught errors, console errors, failed requests. */
async function openPage(context, path, onConsole = undefined) {
  const page = await context.newPage();
  const problems = [];
  if (onConsole) page.on('console', onConsole);
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console error: ${m.text()}`); });
  page.on('response', (r) => { if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`HTTP ${r.status()} ${r.url()}`); });
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  const q = new URLSearchParams();
  if (process.env.SEED) q.set('seed', process.env.SEED);
  if (process.env.ONLY) q.set('only', process.env.ONLY);
  await page.goto(`${server.url}${path}${q.size ? `?${q}` : ''}`);
  return { page, problems };
}

try {
  // Kernel reference tests in the page (DEMO_ONLY=1 skips them).
  if (!process.env.DEMO_ONLY) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  let lastEvent = Date.now();
  let running = '(loading the page)';
  const onConsole = (m) => {
    const t = m.text();
    if (!t.startsWith('[dvq-test] ')) return;
    lastEvent = Date.now();
    if (t.startsWith('[dvq-test] START ')) running = t.slice('[dvq-test] START '.length);
  };
  const { page, problems } = await openPage(ctx, '/test/browser/index.html', onConsole);
  let list;
  let timer;
  try {
    list = await Promise.race([
      page.evaluate(() => window.__dvqResults),
      new Promise((_, rej) => {
        const started = Date.now();
        timer = setInterval(() => {
          const now = Date.now();
          if (now - lastEvent > STALL_MS) rej(new Error(`no progress for ${STALL_MS / 1000} s; running: ${running}`));
          else if (now - started > PAGE_TIMEOUT_MS) rej(new Error(`not done after ${PAGE_TIMEOUT_MS / 1000} s; running: ${running}`));
        }, 1000);
      }),
    ]);
  } catch (e) {
    list = [{ name: 'page test results', ok: false, detail: e.message }];
  } finally {
    clearInterval(timer);
  }
  for (const r of list) record(`[page] ${r.name}`, r.ok, r.detail, !!r.skipped);
  record('[page] no page errors', problems.length === 0, problems.join('\n'));
  await ctx.close();
  }

  // 4. Demo page: loads, shows the adapter; Search (same ids as Node), Benchmarks and Train tabs; screenshots.
  const demoCtx = await browser.newContext({ viewport: { width: 1360, height: 900 } });
  const demo = await openPage(demoCtx, '/examples/browser/index.html');
  try {
    await demo.page.waitForFunction(() => document.body.dataset.state === 'ready' || document.body.dataset.state === 'error', null, { timeout: 60_000 });
    const adapter = await demo.page.textContent('#adapter');
    const state = await demo.page.evaluate(() => document.body.dataset.state);
    const err = await demo.page.textContent('#error');
    record('[demo] loads and shows the adapter', state === 'ready' && !!adapter && !/detecting/i.test(adapter), `adapter: ${adapter}${err ? `; error shown: ${err}` : ''}`);
    for (const tab of ['train', 'benchmarks', 'search']) {
      await demo.page.click(`[data-tab="${tab}"]`);
      const visible = await demo.page.isVisible(`#panel-${tab}`);
      record(`[demo] tab ${tab} opens`, visible, visible ? '' : `#panel-${tab} is hidden after clicking its tab`);
    }
    if (nodeRef) {
      mkdirSync(join(repoRoot, 'bench', 'results'), { recursive: true });
      await demoChecks({ page: demo.page, record, node: { ...nodeRef, pageAdapter: adapter }, resultsDir: join(repoRoot, 'bench', 'results') });
    }
  } catch (e) {
    record('[demo] page', false, e.message);
  }
  record('[demo] no page errors', demo.problems.length === 0, demo.problems.join('\n'));
  await demoCtx.close();

  // 5. Demo page without WebGPU: the error must be shown on the page, not only in the console.
  const bare = await browser.newContext();
  await bare.addInitScript(() => { Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true }); });
  const nogpu = await openPage(bare, '/examples/browser/index.html');
  try {
    await nogpu.page.waitForFunction(() => document.body.dataset.state === 'error', null, { timeout: 15_000 });
    const err = (await nogpu.page.textContent('#error')) ?? '';
    const shown = await nogpu.page.isVisible('#error');
    record('[demo] without navigator.gpu it shows "this browser has no WebGPU" on the page', shown && err.includes('this browser has no WebGPU'), err);
  } catch (e) {
    record('[demo] without navigator.gpu it shows "this browser has no WebGPU" on the page', false, e.message);
  }
  await bare.close();
} finally {
  await browser.close();
  await server.close();
}
finish();

/** Builds the demo index if needed and searches all demo queries with it in Node (dist/, Dawn). */
async function nodeReference() {
  if (!existsSync(join(repoRoot, 'dist', 'index.js'))) {
    console.log('test:browser: dist/ is missing; running npm run build');
    execFileSync('npm', ['run', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  }
  const { path } = await makeDemoIndex();
  const dist = (p) => import(pathToFileURL(join(repoRoot, 'dist', p)).href);
  const { createEngine, loadDemoData, IvfPqIndex } = await dist('index.js');
  const demo = await loadDemoData({ texts: true });
  const engine = await createEngine();
  const k = 10, nprobes = [8, 64];
  const results = {};
  try {
    const index = await IvfPqIndex.load(engine, path);
    for (const nprobe of nprobes) {
      const r = await index.search(demo.queries.data, { k, nprobe });
      results[nprobe] = { ids: Array.from(r.ids), scores: Array.from(r.scores) };
    }
    index.dispose();
    return { k, nprobes, results, nq: demo.queries.n, adapter: engine.adapterName,
      baseTexts: demo.baseTexts.map((t) => t.text), queryTexts: demo.queryTexts.map((t) => t.text) };
  } finally {
    engine.dispose();
  }
}

function finish() {
  const passed = results.filter((r) => r.ok).length, failed = results.length - passed;
  console.log(`(${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  if (skipped.length) console.log(`(${skipped.length} skipped: they need files the page cannot read)`);
  console.log(`browser: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
