// A small stand-in for `tap` so the Node kernel test files (test/kernel-*.test.ts) run unchanged in a browser
// page. Top-level t.test() calls are queued on globalThis.__dvqTap; the harness imports one test file, then
// runs its queue. Supported: test, ok, notOk, equal, not, same, strictSame, match, throws, doesNotThrow,
// rejects, resolves, pass, fail, comment, skip, todo, teardown, plan, end. Anything else fails the test with a clear message.

export interface Assertion { ok: boolean; msg: string }
export interface QueuedTest { name: string; fn: (t: T) => unknown }
type Queue = { tests: QueuedTest[] };
const g = globalThis as unknown as { __dvqTap?: Queue };
export const queue: Queue = g.__dvqTap ?? (g.__dvqTap = { tests: [] });

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !ArrayBuffer.isView(v) && !Array.isArray(v);
}
/** tap's `same`: loose deep equality (== on leaves), arrays and typed arrays element-wise. */
function deepEq(a: unknown, b: unknown, strict: boolean): boolean {
  if (strict ? Object.is(a, b) || a === b : a == b || (Number.isNaN(a) && Number.isNaN(b))) return true; // eslint-disable-line eqeqeq
  const la = Array.isArray(a) || ArrayBuffer.isView(a), lb = Array.isArray(b) || ArrayBuffer.isView(b);
  if (la && lb) {
    const x = a as ArrayLike<unknown>, y = b as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!deepEq(x[i], y[i], strict)) return false;
    return true;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a), kb = Object.keys(b);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => deepEq(a[k], b[k], strict));
  }
  return false;
}
/** tap's `match`: regexp on strings, substring for strings, recursive for objects (pattern keys only). */
function matches(v: unknown, p: unknown): boolean {
  if (p instanceof RegExp) return p.test(String(v));
  if (typeof p === 'string') return String(v).includes(p);
  if (typeof p === 'function') return v instanceof (p as new () => unknown);
  if (isPlainObject(p)) return typeof v === 'object' && v !== null && Object.entries(p).every(([k, pv]) => matches((v as Record<string, unknown>)[k], pv));
  return v === p;
}
function errorMatches(e: unknown, want: unknown): boolean {
  if (want === undefined) return true;
  if (want instanceof RegExp) return want.test((e as Error)?.message ?? String(e));
  return matches(e, want);
}
const show = (v: unknown) => {
  if (ArrayBuffer.isView(v)) v = Array.from(v as unknown as ArrayLike<number>);
  const s = (() => { try { return JSON.stringify(v); } catch { return String(v); } })() ?? String(v);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
};

export class T {
  readonly assertions: Assertion[] = [];
  /** reasons given to t.skip() (e.g. a data file the page cannot read) */
  readonly skips: string[] = [];
  private readonly teardowns: (() => unknown)[] = [];
  constructor(readonly name: string) {}
  private add(ok: boolean, msg: string, extra = ''): boolean {
    this.assertions.push({ ok, msg: ok || !extra ? msg : `${msg} (${extra})` });
    return ok;
  }
  ok(v: unknown, msg = 'should be truthy') { return this.add(!!v, msg); }
  notOk(v: unknown, msg = 'should be falsy') { return this.add(!v, msg); }
  pass(msg = 'pass') { return this.add(true, msg); }
  fail(msg = 'fail') { return this.add(false, msg); }
  equal(a: unknown, b: unknown, msg = 'should be equal') { return this.add(a === b, msg, `got ${show(a)}, want ${show(b)}`); }
  not(a: unknown, b: unknown, msg = 'should not be equal') { return this.add(a !== b, msg, `both ${show(a)}`); }
  same(a: unknown, b: unknown, msg = 'should be equivalent') { return this.add(deepEq(a, b, false), msg, `got ${show(a)}, want ${show(b)}`); }
  strictSame(a: unknown, b: unknown, msg = 'should be equivalent strictly') { return this.add(deepEq(a, b, true), msg, `got ${show(a)}, want ${show(b)}`); }
  match(v: unknown, p: unknown, msg = 'should match pattern') { return this.add(matches(v, p), msg, `${show(v)} vs ${String(p)}`); }
  throws(fn: () => unknown, want?: unknown, msg?: string) {
    if (typeof want === 'string' && msg === undefined) { msg = want; want = undefined; }
    try { fn(); } catch (e) { return this.add(errorMatches(e, want), msg ?? 'expected to throw', `threw "${(e as Error)?.message}", want ${String(want)}`); }
    return this.add(false, msg ?? 'expected to throw', 'did not throw');
  }
  doesNotThrow(fn: () => unknown, msg = 'expected not to throw') {
    try { fn(); return this.add(true, msg); } catch (e) { return this.add(false, msg, `threw "${(e as Error)?.message}"`); }
  }
  async rejects(p: Promise<unknown> | (() => Promise<unknown>), want?: unknown, msg?: string) {
    if (typeof want === 'string' && msg === undefined) { msg = want; want = undefined; }
    try { await (typeof p === 'function' ? p() : p); } catch (e) { return this.add(errorMatches(e, want), msg ?? 'expected to reject', `rejected with "${(e as Error)?.message}", want ${String(want)}`); }
    return this.add(false, msg ?? 'expected to reject', 'resolved');
  }
  async resolves(p: Promise<unknown> | (() => Promise<unknown>), msg = 'expected to resolve') {
    try { await (typeof p === 'function' ? p() : p); return this.add(true, msg); } catch (e) { return this.add(false, msg, `rejected with "${(e as Error)?.message}"`); }
  }
  skip(msg = 'skipped') { this.skips.push(String(msg)); }
  todo(msg = 'todo') { this.skips.push(`todo: ${String(msg)}`); }
  comment(...args: unknown[]) { console.log(`# ${this.name}: ${args.map(String).join(' ')}`); }
  teardown(fn: () => unknown) { this.teardowns.push(fn); }
  plan(_n: number) { /* counted assertions are not enforced here */ }
  end() { /* async tests end when their promise resolves */ }
  /** a subtest runs at once; its assertions are prefixed with its name and counted in this test */
  async test(name: string, fn: (t: T) => unknown) {
    const sub = new T(`${this.name} > ${name}`);
    await runTest(sub, fn);
    for (const a of sub.assertions) this.assertions.push({ ok: a.ok, msg: `${name}: ${a.msg}` });
  }
  async runTeardowns() { for (const f of this.teardowns.reverse()) await f(); }
}

/** Runs one test body; an exception becomes a failed assertion. */
export async function runTest(t: T, fn: (t: T) => unknown): Promise<void> {
  const guarded = new Proxy(t, {
    get(target, p, recv) {
      if (typeof p === 'string' && !(p in target)) throw new Error(`t.${p}() is not supported by the browser tap shim (test/browser/tap-shim.ts)`);
      const v = Reflect.get(target, p, recv);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  try { await fn(guarded); } catch (e) { t.assertions.push({ ok: false, msg: `threw: ${(e as Error)?.stack ?? e}` }); }
  try { await t.runTeardowns(); } catch (e) { t.assertions.push({ ok: false, msg: `teardown threw: ${(e as Error)?.message ?? e}` }); }
}

const tap = {
  test(name: string, fn: (t: T) => unknown) { queue.tests.push({ name, fn }); return Promise.resolve(); },
  comment(...args: unknown[]) { console.log(`# ${args.map(String).join(' ')}`); },
  teardown(_fn: () => unknown) { /* the page ends instead */ },
};
export default tap;
