// Self-test of the tap stand-in: passing and failing assertions must be told apart, or the Node tests run in
// the page could pass vacuously.
import { T, runTest } from '../tap-shim.js';
import { Checks, type BrowserCase } from '../harness.js';

async function outcomes(fn: (t: T) => unknown): Promise<boolean[]> {
  const t = new T('self-test');
  await runTest(t, fn);
  return t.assertions.map((a) => a.ok);
}

export const cases: BrowserCase[] = [{
  name: 'tap shim: failing assertions fail, passing ones pass, throws and unknown methods are caught',
  async run() {
    const c = new Checks();
    const same = (a: boolean[], b: boolean[]) => a.length === b.length && a.every((v, i) => v === b[i]);
    let o = await outcomes((t) => { t.ok(1); t.ok(0); t.equal(2, 2); t.equal(2, '2'); t.same([1, 2], new Float32Array([1, 2])); t.same([1, 2], [1, 3]); });
    c.check(same(o, [true, false, true, false, true, false]), `ok/equal/same: ${o}`);
    o = await outcomes(async (t) => {
      t.throws(() => { throw new Error('bad k'); }, /bad k/); t.throws(() => undefined, /x/); t.throws(() => { throw new Error('a'); }, /b/);
      await t.rejects(Promise.reject(new Error('no')), /no/); await t.rejects(Promise.resolve(1), /no/);
      t.match('abc', /b/); t.match('abc', /z/);
    });
    c.check(same(o, [true, false, false, true, false, true, false]), `throws/rejects/match: ${o}`);
    o = await outcomes(async (t) => { t.ok(true); await t.test('sub', (s) => { s.ok(false); }); throw new Error('boom'); });
    c.check(same(o, [true, false, false]), `subtest failure and a throwing body count as failures: ${o}`);
    o = await outcomes((t) => { (t as unknown as { notAMethod(): void }).notAMethod(); });
    c.check(same(o, [false]), `an unsupported t.method() fails the test: ${o}`);
    return c.result();
  },
}];
