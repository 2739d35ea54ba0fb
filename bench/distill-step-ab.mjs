#!/usr/bin/env node
// In-process A/B of distillation steps on wordnet-use-lite-512-ip (the cached start of bench/distill-epoch.mjs,
// frozen centroids): two builds loaded side by side in one process, one epoch of distill() each, alternated
// A B A B ..., every step timed between progress reports as bench/distill-epoch.mjs does. Prints the step medians,
// their ratio A / B and each epoch's loss (the same loss on both sides means the same arithmetic). Also the
// process's CPU time per step (user + system, all threads: the software GPU's workers run in this process), which a
// loaded machine disturbs less than the wall clock, and per run the seconds less the teacher's (bench/distill-epoch.mjs's
// "epoch s": with the start's and the epoch's re-encoding and validation) and the run's CPU time.
// Usage: node bench/distill-step-ab.mjs DIST_A DIST_B [rounds 2] [queries 330] [data dir]
import { pathToFileURL, fileURLToPath } from 'node:url';
import { join, dirname, resolve } from 'node:path';
import { readFileSync } from 'node:fs';
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [distA, distB, rounds = '2', nq = '330', dataArg] = process.argv.slice(2);
if (!distA || !distB) { console.error('usage: node bench/distill-step-ab.mjs DIST_A DIST_B [rounds] [queries] [data dir]'); process.exit(2); }
const dataDir = resolve(dataArg ?? join(root, '..', 'shared', 'data', 'wordnet-use-lite-512-ip'));
const libs = [await import(pathToFileURL(join(resolve(distA), 'index.js')).href), await import(pathToFileURL(join(resolve(distB), 'index.js')).href)];
const meta = JSON.parse(readFileSync(join(dataDir, 'dataset.json'), 'utf8'));
const base = await libs[0].readVectors(meta.base_files.map((f) => join(dataDir, f.file)));
const queries = await libs[0].readVectors(join(dataDir, meta.query_file));
const sides = [];
for (const lib of libs) {
  const engine = await lib.createEngine();
  const index = await lib.IvfPqIndex.load(engine, join(root, 'bench/cache/kmeans-IVF256-PQ32x8.dvq'));
  sides.push({ lib, engine, index, steps: [], cpu: [], loss: [], run: [], runCpu: [] });
}
const med = (a) => { const s = [...a].sort((x, y) => x - y); return s[s.length >> 1]; };
for (let r = 0; r < Number(rounds); r++) for (const [i, side] of sides.entries()) {
  let last = null, lastCpu = null;
  const cpuMs = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
  const onProgress = (p) => {
    if (p.phase === 'distill') {
      const t = performance.now(), c = cpuMs();
      if (last !== null) { side.steps.push(t - last); side.cpu.push(c - lastCpu); }
      last = t; lastCpu = c;
    } else if (p.phase === 'distill epoch') last = null;
  };
  const r0 = performance.now(), c0 = cpuMs();
  const rep = await side.index.distill({ base: base.data, queries: queries.data.subarray(0, Number(nq) * base.dim), epochs: 1, seed: 1234, lrCentroids: 0, onProgress });
  side.loss.push(rep.epochLoss[0]);
  // the whole run less the teacher (wall), as bench/distill-epoch.mjs's "epoch s"; and the whole run's CPU time
  side.run.push((performance.now() - r0) / 1000 - rep.teacherSeconds); side.runCpu.push((cpuMs() - c0) / 1000);
  console.error(`round ${r} side ${i ? 'B' : 'A'}: step median so far ${med(side.steps).toFixed(0)} ms (CPU ${med(side.cpu).toFixed(0)} ms), loss ${rep.epochLoss[0]}`);
}
const [a, b] = sides.map((s) => med(s.steps));
const [ca, cb] = sides.map((s) => med(s.cpu));
const [ra, rb] = sides.map((s) => med(s.run)), [rca, rcb] = sides.map((s) => med(s.runCpu));
console.log(JSON.stringify({ runLessTeacherA: sides[0].run, runLessTeacherB: sides[1].run, runCpuA: sides[0].runCpu, runCpuB: sides[1].runCpu, runRatio: ra / rb, runCpuRatio: rca / rcb }));
console.log(JSON.stringify({ stepMedianA: a, stepMedianB: b, ratio: a / b, cpuMedianA: ca, cpuMedianB: cb, cpuRatio: ca / cb, stepsA: sides[0].steps.length, stepsB: sides[1].steps.length, lossA: sides[0].loss, lossB: sides[1].loss }));
for (const s of sides) { s.index.dispose?.(); s.engine.dispose(); }
