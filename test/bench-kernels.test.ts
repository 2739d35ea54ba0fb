import t, { type Test } from 'tap';
import { createEngine } from '../src/node/create.js';
import { getEngine } from './helpers.js';
import { benchKernels, kernelCases, probeCases } from '../src/bench/kernels.js';
import { scoresCase, topkCase } from '../src/bench/kernel-cases.js';
import { formatKernelMarkdown } from '../src/bench/kernel-table.js';
import type { KernelCaseResult } from '../src/bench/kernels.js';
import type { Progress } from '../src/util/progress.js';

function checkCase(t: Test, c: KernelCaseResult, gpu: boolean): void {
  const what = `${c.kernel} ${c.size}`;
  t.ok(c.reps >= 3, `${what}: reps ${c.reps}`);
  t.ok(c.wallMs > 0 && Number.isFinite(c.wallMs), `${what}: wall ${c.wallMs} ms`);
  t.ok(c.dispatchesPerRun >= 1, `${what}: ${c.dispatchesPerRun} dispatches per run`);
  if (gpu) {
    t.ok(c.gpuMs !== null && c.gpuMs > 0 && Number.isFinite(c.gpuMs), `${what}: gpu ${c.gpuMs} ms`);
    t.ok(c.parts.length >= 1 && c.parts.every((p) => p.medianMsPerDispatch >= 0 && p.dispatchesPerRun > 0), `${what}: per-shader parts`);
    t.equal(c.basis, 'gpu', `${what}: throughput from GPU time`);
  } else {
    t.equal(c.gpuMs, null, `${what}: no GPU time without profiling`);
    t.equal(c.basis, 'wall');
  }
  const tp = [c.gflops, c.gbps, c.glookups, c.nsPerBarrier].filter((x): x is number => x !== undefined);
  t.ok(tp.length >= 1 && tp.every((x) => Number.isFinite(x) && x > 0), `${what}: throughput ${tp}`);
  const w = c.work;
  t.ok(w.formula.length > 0 && ((w.flops ?? 0) > 0 || (w.bytes ?? 0) > 0 || (w.lookups ?? 0) > 0 || (w.barriers ?? 0) > 0), `${what}: work stated`);
}

t.test('quick benchmark on a subset: report structure, GPU timings, no leaked buffers', async (t) => {
  const engine = await createEngine({ profile: true });
  t.teardown(() => engine.dispose());
  const before = engine.liveBuffers;
  const progress: Progress[] = [];
  const only = ['scores', 'topk', 'residuals', 'adcScan', 'trainKMeans'];
  const { json, table } = await benchKernels(engine, {
    quick: true, only, onProgress: (p) => progress.push(p), machine: 'test machine', loadAverage: () => [0.5, 0.25, 0.125],
  });
  t.equal(engine.liveBuffers, before, 'all benchmark buffers released');
  t.equal(json.benchmark, 'kernels');
  t.equal(json.quick, true);
  t.ok(json.adapter.length > 0 && json.adapter !== 'unknown adapter', `adapter named: ${json.adapter}`);
  t.ok(!Number.isNaN(Date.parse(json.timestamp)), 'timestamp parses');
  t.ok(json.limits.maxStorageBufferBindingSize! > 0, 'limits reported');
  const gpu = engine.hasTimestamps;
  t.equal(json.timing, gpu ? 'gpu-timestamps+wall' : 'wall');
  const expected = kernelCases(true).filter((c) => only.includes(c.kernel)).length;
  t.equal(json.cases.length, expected, 'one result per selected case');
  t.same([...new Set(json.cases.map((c) => c.kernel))].sort(), [...only].sort());
  for (const c of json.cases) checkCase(t, c, gpu);
  const scans = json.cases.filter((c) => c.kernel === 'adcScan');
  t.equal(scans.length, 2, 'adcScan: fused and two-pass paths');
  t.ok(scans.every((c) => c.params.scanned! > 0 && c.work.bytes! > c.params.scanned!), 'adcScan work from the vectors actually scanned');
  t.equal(scans[0]!.params.scanned, scans[1]!.params.scanned, 'both paths scan the same lists');
  t.equal(JSON.parse(JSON.stringify(json)).cases.length, expected, 'report is JSON-able');
  t.match(table, /scores/);
  t.match(table, /topk/);
  t.match(formatKernelMarkdown(json, 'test'), /\| scores \|/);
  const probes = probeCases(engine, true).length;
  t.equal(progress.length, probes + expected + 1, 'progress before each probe and case, and at the end');
  t.same(progress.map((p) => p.done), [...Array(probes + expected + 1).keys()]);
  t.ok(progress.every((p) => p.total === probes + expected));
  // roofline probes: run first, in the same report, and every selected case gets the share of its bound
  t.same(json.probes.map((p) => p.kernel), ['probe:stream-vec4', 'probe:stream-u32', 'probe:gather-32KiB', 'probe:gather-1MiB',
    ...(engine.hasSubgroups ? ['probe:shuffle-16'] : []), 'probe:fma-vec4', 'probe:barrier']);
  for (const p of json.probes) checkCase(t, p, gpu);
  const roof = json.roofline;
  t.ok(roof.streamGBps! > 0 && roof.streamGBps === Math.max(roof.streamVec4GBps!, roof.streamU32GBps!), 'stream bound: the better of vec4 and u32');
  t.ok(roof.gatherGLookups!['32KiB']! > 0 && roof.gatherGLookups!['1MiB']! > 0, 'gather rates for both tables');
  t.ok(roof.fmaGflops! > 0 && roof.nsPerBarrier! > 0, 'FMA rate and barrier cost');
  const bounds: Record<string, string> = { scores: 'fma', topk: 'stream', residuals: 'stream', adcScan: 'gather', trainKMeans: 'fma' };
  for (const c of json.cases) {
    t.equal(c.bound, bounds[c.kernel], `${c.kernel}: declared bound`);
    const rate = c.bound === 'fma' ? c.gflops! / roof.fmaGflops! : c.bound === 'stream' ? c.gbps! / roof.streamGBps! : c.glookups! / roof.gatherGLookups!['32KiB']!;
    t.ok(c.boundShare! > 0 && Math.abs(c.boundShare! - rate) <= 1e-12 * rate, `${c.kernel} ${c.size}: share ${c.boundShare} of its bound`);
  }
  t.match(table, /% of (fma|stream|gather)/);
  t.match(table, /probe:gather-1MiB/);
  t.same(json.host.machine, 'test machine');
  t.same(json.host.loadAverageStart, [0.5, 0.25, 0.125]);
  t.same(json.host.loadAverageEnd, [0.5, 0.25, 0.125]);
  t.match(table, /load average 0\.50 0\.25 0\.13 at start/);
  t.match(formatKernelMarkdown(json, 'test'), /\| probe:fma-vec4 \|/);
});

t.test('full-size case list covers every kernel of the quick list', async (t) => {
  const kernels = (quick: boolean) => [...new Set(kernelCases(quick).map((c) => c.kernel))].sort();
  t.same(kernels(false), kernels(true));
  t.ok(kernelCases(false).every((c) => (c.work.flops ?? 0) > 0 || (c.work.bytes ?? 0) > 0), 'work stated for every full case');
  t.ok(kernelCases(false).every((c) => c.bound !== undefined), 'every case declares its bound');
  t.ok(kernelCases(false).filter((c) => c.bound === 'gather').every((c) => (c.work.lookups ?? 0) > 0 && (c.work.tableBytes ?? 0) > 0), 'gather-bound cases state lookups and the table size');
});

t.test('without profiling: wall-clock timing only', async (t) => {
  const engine = await getEngine();
  const before = engine.liveBuffers;
  const { json } = await benchKernels(engine, { quick: true, probes: false, cases: [scoresCase(8, 70, 16, 1), topkCase(5, 300, 7)] });
  t.equal(engine.liveBuffers, before, 'no leaked buffers');
  t.equal(json.timing, 'wall');
  t.equal(json.cases.length, 2);
  for (const c of json.cases) checkCase(t, c, false);
  t.same(json.probes, [], 'probes skipped when asked');
  t.same(json.roofline, {}, 'no roofline without probes');
  t.ok(json.cases.every((c) => c.bound !== undefined && c.boundShare === undefined), 'bound declared, no share without its probe');
});

t.test('bad options and cancellation', async (t) => {
  const engine = await getEngine();
  const before = engine.liveBuffers;
  await t.rejects(benchKernels(engine, { quick: true, only: ['nope'] }), /unknown kernel 'nope'.*known: scores/);
  const ac = new AbortController();
  let seen = 0;
  const p = benchKernels(engine, {
    quick: true, probes: false, signal: ac.signal, cases: [scoresCase(8, 64, 16, 0), scoresCase(9, 65, 16, 0)],
    onProgress: () => { if (++seen === 1) ac.abort(); },
  });
  await t.rejects(p, { name: 'AbortError' });
  t.equal(engine.liveBuffers, before, 'buffers released after cancellation');
});

t.test('bound shares: the gather probe by table size, none without the probe or the work', async (t) => {
  const { gatherTableFor, boundShare } = await import('../src/bench/probe-cases.js');
  t.equal(gatherTableFor(8192), '32KiB');
  t.equal(gatherTableFor(32768), '32KiB');
  t.equal(gatherTableFor(32772), '1MiB');
  t.equal(gatherTableFor(4 << 20), '1MiB', 'tables over 1 MiB are compared with the 1 MiB probe');
  const base = { kernel: 'x', size: 's', params: {}, reps: 3, dispatchesPerRun: 1, gpuMs: 1, wallMs: 1, minWallMs: 1, parts: [], basis: 'gpu' as const };
  const roof = { streamGBps: 10, fmaGflops: 100, gatherGLookups: { '32KiB': 2, '1MiB': 0.5 } };
  t.equal(boundShare({ ...base, work: { bytes: 1, formula: '' }, gbps: 4 }, 'stream', roof), 0.4);
  t.equal(boundShare({ ...base, work: { flops: 1, formula: '' }, gflops: 25 }, 'fma', roof), 0.25);
  t.equal(boundShare({ ...base, work: { lookups: 1, tableBytes: 32768, formula: '' }, glookups: 1 }, 'gather', roof), 0.5);
  t.equal(boundShare({ ...base, work: { lookups: 1, tableBytes: 1 << 20, formula: '' }, glookups: 0.25 }, 'gather', roof), 0.5);
  t.equal(boundShare({ ...base, work: { flops: 1, formula: '' }, gflops: 25 }, 'stream', roof), undefined, 'no bytes stated');
  t.equal(boundShare({ ...base, work: { bytes: 1, formula: '' }, gbps: 4 }, 'stream', {}), undefined, 'no probe');
});
