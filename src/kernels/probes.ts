// Typed wrappers of the roofline probe kernels (src/shaders/probe_*.wgsl): small kernels that each run at one
// bound of the device (streaming reads, random gathers, subgroup-shuffle lookups, vec4 FMA, workgroup barriers), so that the kernel
// benchmark can state every kernel's throughput as a share of the bound it is limited by. Each probe writes
// a checksum per invocation (per-invocation sums, see each shader's contract) so a test can check that it
// did the work it claims.
import type { Engine } from '../pipeline/engine.js';
import * as K from '../shaders/kernels.js';
import { need, type Buf } from './row-chunks.js';
import { checkInt } from '../util/check.js';

function checkCount(what: string, name: string, v: number, min: number, max = 0xffffffff): void {
  checkInt(v, `${what}: ${name}`, min, max);
}

/** Streaming read: out[t] = sum over i = t, t + threads, ... < n of the i-th element of x, for t < threads.
 *  kind 'vec4': x holds n vec4<f32> (out f32, the 4 lanes summed); kind 'u32': x holds n u32 (out u32, mod 2^32).
 *  x is one binding, so n elements must fit maxStorageBufferBindingSize. */
export function probeStream(engine: Engine, kind: 'vec4' | 'u32', x: Buf, out: Buf, n: number, threads: number): void {
  const what = `probeStream(${kind})`;
  const width = kind === 'vec4' ? 16 : 4;
  checkCount(what, 'n', n, 1, Math.floor(Math.min(engine.maxBinding, 2 ** 32 - 1) / width));
  checkCount(what, 'threads', threads, 1, 2 ** 31);
  need(x, n * width, `${what}: x`);
  need(out, threads * 4, `${what}: out`);
  const run = { bindings: { x, out }, params: { n, threads }, workgroups: Math.ceil(threads / 256) };
  if (kind === 'vec4') engine.run(K.probe_stream_vec4, run);
  else engine.run(K.probe_stream_u32, run);
}

/** Random gathers: table holds 2^log2Words u32 (1 <= log2Words <= 31); each of `threads` invocations adds
 *  `lookups` table words at indices from its own linear congruential sequence (see probe_gather.wgsl). */
export function probeGather(engine: Engine, table: Buf, out: Buf, log2Words: number, threads: number, lookups: number): void {
  const what = 'probeGather';
  checkCount(what, 'log2Words', log2Words, 1, 31);
  checkCount(what, 'threads', threads, 1, 2 ** 31);
  checkCount(what, 'lookups', lookups, 1);
  if (2 ** log2Words * 4 > engine.maxBinding) throw new Error(`${what}: a table of 2^${log2Words} words exceeds the binding limit (${engine.maxBinding} bytes)`);
  need(table, 2 ** log2Words * 4, `${what}: table`);
  need(out, threads * 4, `${what}: out`);
  engine.run(K.probe_gather, { bindings: { table, out }, params: { threads, lookups, shift: 32 - log2Words }, workgroups: Math.ceil(threads / 256) });
}

/** Lookups by subgroup shuffles from a 16-word table (see probe_shuffle.wgsl): the same checksums as
 *  probeGather(engine, table, out, 4, threads, lookups). Needs a device with subgroups of 8+ lanes (Engine.hasSubgroups). */
export function probeShuffle(engine: Engine, table: Buf, out: Buf, threads: number, lookups: number): void {
  const what = 'probeShuffle';
  if (!engine.hasSubgroups) throw new Error(`${what}: this device has no subgroups of at least 8 lanes (Engine.hasSubgroups)`);
  checkCount(what, 'threads', threads, 1, 2 ** 31);
  checkCount(what, 'lookups', lookups, 1);
  need(table, 16 * 4, `${what}: table`);
  need(out, threads * 4, `${what}: out`);
  engine.run(K.probe_shuffle, { bindings: { table, out }, params: { threads, lookups }, workgroups: Math.ceil(threads / 256) });
}

/** vec4 FMA chains: each of `threads` invocations runs 4 vec4 chains a = fma(a, b, c) for `iters` steps
 *  (32 flops per step) and writes the sum of its 16 lanes to out[t] (see probe_fma.wgsl). */
export function probeFma(engine: Engine, out: Buf, threads: number, iters: number, b: number, c: number): void {
  const what = 'probeFma';
  checkCount(what, 'threads', threads, 1, 2 ** 31);
  checkCount(what, 'iters', iters, 0);
  if (!(Math.abs(b) < 1) || !Number.isFinite(c)) throw new Error(`${what}: need |b| < 1 and a finite c (got b=${b}, c=${c})`);
  need(out, threads * 4, `${what}: out`);
  engine.run(K.probe_fma, { bindings: { out }, params: { threads, iters, b, c }, workgroups: Math.ceil(threads / 256) });
}

/** Workgroup barriers: `groups` workgroups of 256 invocations run `iters` rounds of two barriers with an
 *  exchange through workgroup memory (see probe_barrier.wgsl); seed and out hold groups * 256 u32. */
export function probeBarrier(engine: Engine, seed: Buf, out: Buf, groups: number, iters: number): void {
  const what = 'probeBarrier';
  checkCount(what, 'groups', groups, 1, 2 ** 23);
  checkCount(what, 'iters', iters, 0);
  need(seed, groups * 256 * 4, `${what}: seed`);
  need(out, groups * 256 * 4, `${what}: out`);
  engine.run(K.probe_barrier, { bindings: { seed, out }, params: { groups, iters }, workgroups: groups });
}
