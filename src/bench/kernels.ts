// Kernel benchmarks, shared by the CLI (`distill-vq bench kernels`) and the browser demo page. Browser-safe:
// no Node imports, time from performance.now(). Per case: inputs are made once (deterministic random data),
// one untimed run compiles the pipelines, then timed runs repeat until a minimum count and a time budget are
// reached. GPU time comes from timestamp queries when the engine was created with { profile: true } on an
// adapter with 'timestamp-query'; wall time (record + submit + wait for the GPU) is always measured.
// Before the cases, the roofline probes (probe-cases.ts) measure the adapter's bounds in the same way, and each
// case's throughput is then also given as a share of the bound it declares.
import type { Engine } from '../pipeline/engine.js';
import { now, type Progress } from '../util/progress.js';
import { kernelCases, type KernelCase, type Work } from './kernel-cases.js';
import { mulberry32 } from './random.js';
import { formatKernelTable } from './kernel-table.js';
import type { KernelBenchReport, KernelBenchResult, KernelCaseResult } from './kernel-report.js';
import { boundShare, probeCases, rooflineOf } from './probe-cases.js';

export type { KernelCase, Work } from './kernel-cases.js';
export type { KernelBenchReport, KernelBenchResult, KernelCaseResult, KernelTimingPart, Roofline } from './kernel-report.js';
export type { Bound } from './kernel-cases.js';
export { kernelCases } from './kernel-cases.js';
export { probeCases } from './probe-cases.js';

export interface BenchKernelsOptions {
  /** small sizes that run in seconds on a software GPU */
  quick?: boolean;
  onProgress?: (p: Progress) => void;
  signal?: AbortSignal;
  /** kernel names to run (e.g. ['scores', 'topk']); all when absent */
  only?: string[];
  /** override the case list (e.g. custom sizes); `only` still filters it */
  cases?: KernelCase[];
  /** run the roofline probes first (default true); without them no bound shares are reported */
  probes?: boolean;
  /** a description of the machine for the report (e.g. CPU model and cores; Node callers fill it) */
  machine?: string;
  /** reads the 1, 5 and 15-minute load averages (Node: os.loadavg), at the start and at the end */
  loadAverage?: () => number[];
}

const SEED = 0x5eed_cafe;
const LIMIT_NAMES = [
  'maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupsPerDimension', 'maxStorageBuffersPerShaderStage',
] as const;

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('the kernel benchmark was cancelled', 'AbortError');
}

function hostInfo(): KernelBenchReport['host'] {
  const g = globalThis as { navigator?: { userAgent?: string; hardwareConcurrency?: number }; process?: { versions?: { node?: string }; platform?: string } };
  const h: KernelBenchReport['host'] = {};
  if (g.navigator?.userAgent) h.userAgent = g.navigator.userAgent;
  if (g.navigator?.hardwareConcurrency) h.hardwareConcurrency = g.navigator.hardwareConcurrency;
  if (g.process?.versions?.node) h.node = g.process.versions.node;
  if (g.process?.platform) h.platform = g.process.platform;
  return h;
}

/** Picks the cases to run; an unknown name in `only` is an error that lists the known ones. */
export function selectCases(cases: readonly KernelCase[], only?: readonly string[]): KernelCase[] {
  if (!only || only.length === 0) return [...cases];
  const known = [...new Set(cases.map((c) => c.kernel))];
  const unknown = only.filter((o) => !known.includes(o));
  if (unknown.length) throw new Error(`benchKernels: unknown kernel ${unknown.map((u) => `'${u}'`).join(', ')} (known: ${known.join(', ')})`);
  return cases.filter((c) => only.includes(c.kernel));
}

/** Times one case: a warm-up run, then timed runs until at least `minReps` (5, or 3 when the warm-up took over
 *  5 s; quick: 3) and until `budgetMs` has passed, at most `maxReps`. */
async function measureCase(engine: Engine, c: KernelCase, quick: boolean, signal?: AbortSignal): Promise<KernelCaseResult> {
  const maxReps = quick ? 10 : 30, budgetMs = quick ? 300 : 3000;
  let minReps = quick ? 3 : 5;
  const prof = engine.profiler;
  const prep = c.prepare(engine, mulberry32(SEED ^ hashString(c.seedKey ?? `${c.kernel} ${c.size}`)));
  try {
    const tw = now();
    await prep.run(); // compiles the pipelines
    await engine.sync();
    if (now() - tw > 5000) minReps = 3; // long runs (software GPUs): fewer repetitions
    if (prof) await prof.results(true);
    const wall: number[] = [], gpu: number[] = [];
    const parts = new Map<string, { dispatches: number; perDispatch: number[] }>();
    const dispatches0 = engine.dispatchCount;
    const start = now();
    while (wall.length < minReps || (wall.length < maxReps && now() - start < budgetMs)) {
      checkAbort(signal);
      const t0 = now();
      await prep.run();
      await engine.sync();
      wall.push(now() - t0);
      if (prof) {
        let total = 0;
        for (const k of await prof.results(true)) {
          total += k.totalNs;
          let p = parts.get(k.name);
          if (!p) parts.set(k.name, (p = { dispatches: 0, perDispatch: [] }));
          p.dispatches += k.count;
          if (k.count > 0) p.perDispatch.push(k.totalNs / k.count / 1e6);
        }
        gpu.push(total / 1e6);
      }
    }
    const reps = wall.length;
    const gpuMs = prof && gpu.length ? median(gpu) : null;
    const wallMs = median(wall);
    const work = prep.work ?? c.work;
    const basisMs = gpuMs !== null && gpuMs > 0 ? gpuMs : wallMs;
    const r: KernelCaseResult = {
      kernel: c.kernel, size: c.size, params: prep.params ?? c.params, reps,
      dispatchesPerRun: (engine.dispatchCount - dispatches0) / reps,
      gpuMs, wallMs, minWallMs: Math.min(...wall),
      parts: [...parts].map(([shader, p]) => ({ shader, dispatchesPerRun: p.dispatches / reps, medianMsPerDispatch: p.perDispatch.length ? median(p.perDispatch) : 0 })),
      work,
      basis: gpuMs !== null && gpuMs > 0 ? 'gpu' : 'wall',
    };
    if (work.flops !== undefined) r.gflops = work.flops / (basisMs * 1e6);
    if (work.bytes !== undefined) r.gbps = work.bytes / (basisMs * 1e6);
    if (work.lookups !== undefined) r.glookups = work.lookups / (basisMs * 1e6);
    if (work.barriers !== undefined) r.nsPerBarrier = (basisMs * 1e6) / work.barriers;
    if (c.bound !== undefined) r.bound = c.bound;
    return r;
  } finally {
    prep.dispose();
  }
}

/**
 * Runs the kernel benchmarks on `engine` and returns a JSON-able report and a readable table.
 * Create the engine with { profile: true } to get GPU times from timestamp queries. All buffers the
 * benchmark makes are released before it returns (also on error or cancellation).
 */
export async function benchKernels(engine: Engine, opts: BenchKernelsOptions = {}): Promise<KernelBenchResult> {
  const quick = opts.quick ?? false;
  const cases = selectCases(opts.cases ?? kernelCases(quick), opts.only);
  const probes = opts.probes === false ? [] : probeCases(engine, quick);
  const total = probes.length + cases.length;
  checkAbort(opts.signal);
  const loadAverageStart = opts.loadAverage?.();
  if (engine.profiler) await engine.profiler.results(true); // drop samples of earlier work
  const probeResults: KernelCaseResult[] = [];
  const results: KernelCaseResult[] = [];
  const t0 = now();
  const progress = (phase: string) => {
    if (!opts.onProgress) return;
    const done = probeResults.length + results.length;
    const elapsed = Math.max(1e-6, (now() - t0) / 1000);
    const rate = done / elapsed;
    opts.onProgress({ phase, done, total, rate, eta: rate > 0 ? (total - done) / rate : Infinity });
  };
  for (const c of probes) {
    progress(`bench ${c.kernel} ${c.size}`);
    probeResults.push(await measureCase(engine, c, quick, opts.signal));
  }
  const roofline = rooflineOf(probeResults);
  for (const c of cases) {
    progress(`bench ${c.kernel} ${c.size}`);
    const r = await measureCase(engine, c, quick, opts.signal);
    const share = r.bound !== undefined ? boundShare(r, r.bound, roofline) : undefined;
    if (share !== undefined) r.boundShare = share;
    results.push(r);
  }
  progress('bench kernels done');
  const limits: Record<string, number> = {};
  for (const k of LIMIT_NAMES) limits[k] = Number(engine.limits[k]);
  const json: KernelBenchReport = {
    benchmark: 'kernels', version: 2, timestamp: new Date().toISOString(), quick,
    adapter: engine.adapterName,
    timing: engine.profiler ? 'gpu-timestamps+wall' : 'wall',
    limits, host: hostInfo(), probes: probeResults, roofline, cases: results,
  };
  if (opts.machine !== undefined) json.host.machine = opts.machine;
  if (loadAverageStart !== undefined) json.host.loadAverageStart = loadAverageStart;
  const loadAverageEnd = opts.loadAverage?.();
  if (loadAverageEnd !== undefined) json.host.loadAverageEnd = loadAverageEnd;
  return { json, table: formatKernelTable(json) };
}
