// Guards the Dawn instance-lifetime crash (docs/architecture.md, The engine, "The Dawn instance-lifetime crash"):
// if the object returned by webgpu's create() is garbage-collected while a device lives, Dawn's event loop touches
// freed memory and the process dies at random. The engine must hold it. This runs the pattern that triggered it (a
// hot loop that gets optimized, forced GC, then awaiting GPU work) many times in child processes, each of which must
// exit cleanly.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const script = `
import { createEngine } from ${JSON.stringify(join(root, 'dist/node/create.js'))};
async function work(round) {
  // Only this function's locals refer to the engine; V8 optimizes the hot loop and may drop dead locals.
  const engine = await createEngine();
  let acc = 0;
  for (let i = 0; i < 3e6; i++) acc += Math.sqrt(i) * (i & 7);
  const buf = engine.upload(new Float32Array(1024).fill(round));
  for (let j = 0; j < 20; j++) {
    engine.fill(buf, j + round);
    globalThis.gc();
    const got = await engine.read(buf, Float32Array);
    if (got[1023] !== j + round) throw new Error('wrong value ' + got[1023]);
    for (let i = 0; i < 2e5; i++) acc += i % 3;
  }
  engine.dispose();
  return acc;
}
for (let round = 0; round < 6; round++) { await work(round); globalThis.gc(); await new Promise((r) => setTimeout(r, 5)); globalThis.gc(); }
console.log('survived');
`;

t.test('engine keeps the Dawn instance alive through GC and optimized code', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dvq-life-'));
  const file = join(dir, 'life.mjs');
  writeFileSync(file, script);
  const runs = Number(process.env.LIFETIME_RUNS ?? 6);
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, ['--expose-gc', file], { encoding: 'utf8', timeout: 120_000 });
    t.equal(r.status, 0, `run ${i}: exit ${r.status} signal ${r.signal} ${r.stderr?.slice(-400)}`);
    t.match(r.stdout, /survived/, `run ${i} finished its GPU work`);
  }
});

t.test('engine exposes the instance owner it keeps', async (t) => {
  const { createEngine } = await import('../src/node/create.js');
  const e = await createEngine();
  t.ok(e.instanceOwner, 'the create() result is held by the engine');
  e.dispose();
  t.ok(e.isDisposed);
});
