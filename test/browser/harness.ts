// In-page test harness. It runs, inside a browser page and against the browser bundle
// (dist/browser/distill-vq.js; imports of src/ are rewritten to that file by test/browser/run.mjs):
//  1. the Node kernel test files themselves (test/kernel-*.test.ts, bundled one by one with a tap stand-in,
//     test/browser/tap-shim.ts): the same float64 references, fresh seeds, poisoned outputs;
//  2. browser-only cases (test/browser/cases/*.ts).
// Results go to `window.__dvqResults` (a promise of {name, ok, detail}[]) for the Node runner, and are also
// listed on the page.
import { createEngine, type Engine } from '../../src/browser.js';
import { rng } from '../helpers.js';
import { T, runTest, queue } from './tap-shim.js';

export interface CaseResult { name: string; ok: boolean; detail: string; skipped?: boolean }

/** One browser test: `run` returns a detail line on success and throws (or returns ok:false) on failure. */
export interface BrowserCase {
  name: string;
  run(engine: Engine, r: () => number, seed: number): Promise<string | { ok: boolean; detail: string }>;
}

/** Collects the result lines of one case, so a case can check several sizes and report each. */
export class Checks {
  readonly lines: string[] = [];
  failed = 0;
  check(ok: boolean, msg: string): void {
    this.lines.push(`${ok ? 'ok' : 'FAIL'} ${msg}`);
    if (!ok) this.failed++;
  }
  result(): { ok: boolean; detail: string } {
    return { ok: this.failed === 0 && this.lines.length > 0, detail: this.lines.length ? this.lines.join('\n') : 'no checks ran' };
  }
}

function seedFromUrl(): number {
  const s = new URLSearchParams(globalThis.location?.search ?? '').get('seed');
  if (s !== null && s !== '' && Number.isFinite(Number(s))) return Number(s) >>> 0;
  return (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0;
}

function show(r: CaseResult): void {
  const doc = globalThis.document;
  const list = doc?.getElementById('results');
  if (!list) return;
  const li = doc.createElement('li');
  li.className = r.ok ? 'ok' : 'fail';
  li.textContent = `${r.skipped ? 'SKIP' : r.ok ? 'PASS' : 'FAIL'} ${r.name}\n${r.detail}`;
  list.appendChild(li);
}

/** Imports one bundled Node test file and runs its top-level tests (one result per t.test). */
async function runTestFile(url: string, only: string | null): Promise<CaseResult[]> {
  const file = url.replace(/^.*\//, '').replace(/\.js$/, '.ts');
  queue.tests = [];
  try {
    await import(url);
  } catch (e) {
    return [{ name: file, ok: false, detail: `could not load it in the browser: ${(e as Error).message ?? e}` }];
  }
  const out: CaseResult[] = [];
  for (const q of queue.tests.splice(0)) {
    const name = `${file}: ${q.name}`;
    if (only && !name.includes(only)) continue;
    const t = new T(q.name);
    const t0 = performance.now();
    console.log(`[dvq-test] START ${name}`);
    await runTest(t, q.fn);
    const bad = t.assertions.filter((a) => !a.ok);
    if (t.assertions.length === 0 && t.skips.length) {
      out.push({ name, ok: true, skipped: true, detail: t.skips.join('\n') });
      continue;
    }
    const ok = t.assertions.length > 0 && bad.length === 0;
    const detail = t.assertions.length === 0 ? 'no assertions ran'
      : `${t.assertions.length - bad.length}/${t.assertions.length} assertions passed` + (bad.length ? '\n' + bad.slice(0, 10).map((a) => `FAIL ${a.msg}`).join('\n') : '');
    out.push({ name, ok, detail: `${detail}\n(${(performance.now() - t0).toFixed(0)} ms)` });
  }
  if (!out.length && !only) out.push({ name: file, ok: false, detail: 'no t.test() registered' });
  return out;
}

/**
 * Runs the bundled Node test files (URLs) and the browser case modules (each exports `cases: BrowserCase[]`)
 * on one shared engine, one at a time.
 */
export async function runAll(testFiles: string[], modules: { cases: BrowserCase[] }[]): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const seed = seedFromUrl();
  const only = new URLSearchParams(globalThis.location?.search ?? '').get('only');
  let engine: Engine;
  try {
    engine = await createEngine();
  } catch (e) {
    const r = { name: 'createEngine', ok: false, detail: String((e as Error).message ?? e) };
    show(r);
    return [r];
  }
  const head = { name: 'adapter', ok: true, detail: `${engine.adapterName}; seed ${seed}` };
  results.push(head); show(head);
  // the Node tests' getEngine() (through test/browser/node-create-stub.ts) gets this engine
  (globalThis as unknown as { __dvqEngine: () => Promise<Engine> }).__dvqEngine = async () => {
    if (engine.isDisposed) engine = await createEngine();
    return engine;
  };
  for (const url of testFiles) {
    for (const res of await runTestFile(url, only)) {
      results.push(res); show(res);
      console.log(`[dvq-test] ${res.ok ? 'PASS' : 'FAIL'} ${res.name}`);
    }
  }
  for (const m of modules) for (const c of m.cases) {
    if (only && !c.name.includes(only)) continue;
    const t0 = performance.now();
    console.log(`[dvq-test] START ${c.name}`);
    let res: CaseResult;
    try {
      const out = await c.run(engine, rng(seed ^ hash(c.name)), seed);
      const o = typeof out === 'string' ? { ok: true, detail: out } : out;
      res = { name: c.name, ok: o.ok, detail: `${o.detail}\n(seed ${seed}, ${(performance.now() - t0).toFixed(0)} ms)` };
    } catch (e) {
      res = { name: c.name, ok: false, detail: `threw: ${(e as Error).stack ?? e} (seed ${seed})` };
    }
    results.push(res); show(res);
    console.log(`[dvq-test] ${res.ok ? 'PASS' : 'FAIL'} ${res.name}`);
  }
  const leaked = engine.liveBuffers;
  const leak = { name: 'no leaked GPU buffers after all cases', ok: leaked === 0, detail: `${leaked} live buffers, ${engine.liveBytes} bytes` };
  results.push(leak); show(leak);
  engine.dispose();
  return results;
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}
