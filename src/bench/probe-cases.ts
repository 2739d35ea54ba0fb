// The roofline probes of the kernel benchmark: one case per bound (streaming reads with vec4 and u32 loads,
// random 4-byte gathers from a 32 KiB and a 1 MiB table, lookups by subgroup shuffles from a 16-entry table on
// devices with subgroups, vec4 FMA, workgroup barriers), measured in the same
// run and on the same adapter as the kernels, and the roofline they give. Each kernel case declares which
// bound applies to it (Bound), and its throughput is reported as a share of that probe's rate.
import type { Engine } from '../pipeline/engine.js';
import { probeStream, probeGather, probeShuffle, probeFma, probeBarrier } from '../kernels/probes.js';
import type { Bound, KernelCase, PreparedCase } from './kernel-cases.js';
import type { KernelCaseResult, Roofline } from './kernel-report.js';
import { uniformF32, uniformU32 } from './random.js';


const MiB = 1 << 20;
/** Gather tables: 32 KiB (an ADC lookup table of m = 32, ksub = 256) and 1 MiB. */
export const GATHER_TABLES = [{ name: '32KiB', log2Words: 13 }, { name: '1MiB', log2Words: 18 }] as const;

function probeCase(kernel: string, size: string, params: Record<string, number>, work: KernelCase['work'],
  prepare: (engine: Engine, r: () => number) => PreparedCase): KernelCase {
  return { kernel, size, params, work, prepare };
}

/** Buffers made in order; if a later one fails, the earlier ones are released. */
function withBuffers(engine: Engine, make: (add: <B extends { dispose(): void }>(b: B) => B) => () => void): PreparedCase {
  const all: { dispose(): void }[] = [];
  const dispose = () => { try { engine.flush(); } finally { for (const b of all.splice(0)) b.dispose(); } };
  try {
    return { run: make((b) => { all.push(b); return b; }), dispose };
  } catch (e) {
    dispose();
    throw e;
  }
}

/** Streaming read of one binding of `bytes` (a multiple of 16) by `threads` invocations, grid-stride. */
export function streamProbe(kind: 'vec4' | 'u32', bytes: number, threads: number): KernelCase {
  const width = kind === 'vec4' ? 16 : 4;
  const n = Math.floor(bytes / width);
  return probeCase(`probe:stream-${kind}`, `${(n * width / MiB).toFixed(n * width >= MiB ? 0 : 2)} MiB, ${threads} threads`, { n, threads },
    { bytes: n * width + 4 * threads, formula: `${width}*n + 4*threads bytes (one pass over x, one word out per invocation)` },
    (engine, r) => withBuffers(engine, (add) => {
      const x = add(engine.upload(kind === 'vec4' ? uniformF32(r, n * 4) : uniformU32(r, n, 2 ** 32), `probe stream ${kind}`));
      const out = add(engine.buffer(threads * 4, 'probe stream out'));
      return () => probeStream(engine, kind, x, out, n, threads);
    }));
}

/** `threads` x `lookups` random 4-byte reads from a table of 2^log2Words words. */
export function gatherProbe(name: string, log2Words: number, threads: number, lookups: number): KernelCase {
  return probeCase(`probe:gather-${name}`, `${threads} threads x ${lookups} lookups`, { log2Words, threads, lookups },
    { lookups: threads * lookups, tableBytes: 4 * 2 ** log2Words, formula: 'threads*lookups random 4-byte lookups' },
    (engine, r) => withBuffers(engine, (add) => {
      const table = add(engine.upload(uniformU32(r, 2 ** log2Words, 2 ** 32), `probe gather ${name}`));
      const out = add(engine.buffer(threads * 4, 'probe gather out'));
      return () => probeGather(engine, table, out, log2Words, threads, lookups);
    }));
}

/** `threads` x `lookups` lookups by subgroup shuffles from a 16-word table (the 4-bit ADC scan's lookup). */
export function shuffleProbe(threads: number, lookups: number): KernelCase {
  return probeCase('probe:shuffle-16', `${threads} threads x ${lookups} lookups`, { threads, lookups },
    { lookups: threads * lookups, tableBytes: 64, formula: 'threads*lookups lookups by two subgroup shuffles and a select (a 16-entry table in registers)' },
    (engine, r) => withBuffers(engine, (add) => {
      const table = add(engine.upload(uniformU32(r, 16, 2 ** 32), 'probe shuffle table'));
      const out = add(engine.buffer(threads * 4, 'probe shuffle out'));
      return () => probeShuffle(engine, table, out, threads, lookups);
    }));
}

export function fmaProbe(threads: number, iters: number): KernelCase {
  return probeCase('probe:fma-vec4', `${threads} threads x ${iters} iters`, { threads, iters },
    { flops: 32 * threads * iters, formula: '32*threads*iters flops (4 vec4 FMA chains per invocation)' },
    (engine) => withBuffers(engine, (add) => {
      const out = add(engine.buffer(threads * 4, 'probe fma out'));
      return () => probeFma(engine, out, threads, iters, 0.999, 0.001);
    }));
}

export function barrierProbe(groups: number, iters: number): KernelCase {
  return probeCase('probe:barrier', `${groups} workgroups x ${iters} rounds`, { groups, iters },
    { barriers: 2 * groups * iters, formula: '2*groups*iters workgroup barriers (with a workgroup-memory exchange each round)' },
    (engine, r) => withBuffers(engine, (add) => {
      const seed = add(engine.upload(uniformU32(r, groups * 256, 2 ** 32), 'probe barrier seed'));
      const out = add(engine.buffer(groups * 256 * 4, 'probe barrier out'));
      return () => probeBarrier(engine, seed, out, groups, iters);
    }));
}

/** The probes for this device: the streaming binding is min(maxStorageBufferBindingSize, maxBufferSize,
 *  128 MiB) (quick: 8 MiB). */
export function probeCases(engine: Engine, quick: boolean): KernelCase[] {
  const big = Math.min(engine.maxBinding, Number(engine.limits.maxBufferSize), 128 * MiB);
  const streamBytes = Math.floor(Math.min(big, quick ? 8 * MiB : big) / 256) * 256;
  const threads = quick ? 256 * 64 : 256 * 2048;
  return [
    streamProbe('vec4', streamBytes, threads),
    streamProbe('u32', streamBytes, threads),
    ...GATHER_TABLES.map((g) => gatherProbe(g.name, g.log2Words, threads, quick ? 32 : 256)),
    ...(engine.hasSubgroups ? [shuffleProbe(threads, quick ? 32 : 256)] : []),
    fmaProbe(threads, quick ? 64 : 2048),
    barrierProbe(quick ? 32 : 512, quick ? 64 : 512),
  ];
}

/** The roofline from the probe results (a rate is absent when its probe was not run). */
export function rooflineOf(probes: readonly KernelCaseResult[]): Roofline {
  const rate = (kernel: string, key: 'gbps' | 'gflops' | 'glookups' | 'nsPerBarrier') => probes.find((p) => p.kernel === kernel)?.[key];
  const roof: Roofline = {};
  const v4 = rate('probe:stream-vec4', 'gbps'), u = rate('probe:stream-u32', 'gbps');
  if (v4 !== undefined) roof.streamVec4GBps = v4;
  if (u !== undefined) roof.streamU32GBps = u;
  if (v4 !== undefined || u !== undefined) roof.streamGBps = Math.max(v4 ?? 0, u ?? 0);
  for (const g of GATHER_TABLES) {
    const x = rate(`probe:gather-${g.name}`, 'glookups');
    if (x !== undefined) (roof.gatherGLookups ??= {})[g.name] = x;
  }
  const f = rate('probe:fma-vec4', 'gflops');
  if (f !== undefined) roof.fmaGflops = f;
  const b = rate('probe:barrier', 'nsPerBarrier');
  if (b !== undefined) roof.nsPerBarrier = b;
  return roof;
}

/** The gather probe that applies to a table of `tableBytes`: the smallest probe table at least that big
 *  (the 1 MiB one for larger tables). */
export function gatherTableFor(tableBytes: number): string {
  return (GATHER_TABLES.find((g) => 4 * 2 ** g.log2Words >= tableBytes) ?? GATHER_TABLES[GATHER_TABLES.length - 1]!).name;
}

/** The share of its bound that a kernel result reached (undefined when the bound's probe was not run or the
 *  case states no work of that kind). */
export function boundShare(c: KernelCaseResult, bound: Bound, roof: Roofline): number | undefined {
  if (bound === 'stream') return c.gbps !== undefined && roof.streamGBps ? c.gbps / roof.streamGBps : undefined;
  if (bound === 'fma') return c.gflops !== undefined && roof.fmaGflops ? c.gflops / roof.fmaGflops : undefined;
  const peak = roof.gatherGLookups?.[gatherTableFor(c.work.tableBytes ?? 0)];
  return c.glookups !== undefined && peak ? c.glookups / peak : undefined;
}
