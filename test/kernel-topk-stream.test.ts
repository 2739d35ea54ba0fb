// topk_stream (one streaming read against a sampled threshold) against the float64 reference and against
// topk_select on fresh random inputs: ids and values must be identical, ties, NaN and padding included. The
// kinds of values reach every path of the kernel: the first scan ranked at once, slots that overflow and a start
// threshold that too few values reach (both: the scan again from the safe threshold, with rescans), a threshold
// that takes everything; vec4 rows (n % 4 = 0) and scalar ones; one workgroup per row (256+ rows) and chunks.
import t, { type Test } from 'tap';
import { getEngine, rng, randn, freshSeed, POISON_F32, POISON_U32 } from './helpers.js';
import { topk, type TopkKernel, type StreamGroup } from '../src/kernels/topk.js';
import { topkRef } from './reference/topk.js';

type Kind = 'normal' | 'ties' | 'equal' | 'special' | 'ascending' | 'descending' | 'crowded' | 'staggered' | 'staggered8' | 'decoy' | 'blocks';

/** Row-major rows x n values of a kind; `largest` orients the kinds built to fool the start threshold. */
function makeValues(r: () => number, rows: number, n: number, kind: Kind, largest: boolean): Float32Array {
  const a = new Float32Array(rows * n);
  const sgn = largest ? 1 : -1;
  for (let i = 0; i < rows * n; i++) {
    const c = i % n;
    if (kind === 'normal' || kind === 'blocks') a[i] = randn(r); // 'blocks': sorted in blocks below
    else if (kind === 'ties') a[i] = Math.floor(r() * 5) - 2;
    else if (kind === 'equal') a[i] = 0.25;
    else if (kind === 'ascending') a[i] = c * 0.5;
    else if (kind === 'descending') a[i] = -c * 0.5;
    // the best values all in the columns of one invocation (c % 256 < 4): its slots overflow
    else if (kind === 'crowded') a[i] = c % 256 < 4 ? sgn * (100 + r()) : randn(r);
    // as 'crowded' from step row % 4 on: the slots overflow at each of the four steps the scan reads together
    else if (kind === 'staggered') a[i] = c % 256 < 4 && c >= 256 * (Math.floor(i / n) % 4) ? sgn * (100 + r()) : randn(r);
    // as 'staggered' for workgroups of 8 (steps of 32 columns)
    else if (kind === 'staggered8') a[i] = c % 32 < 4 && c >= 32 * (Math.floor(i / n) % 4) ? sgn * (100 + r()) : randn(r);
    // a few outstanding values, one per invocation in the first step (the sample): the start threshold is
    // above the K-th best, too few values pass it
    else if (kind === 'decoy') a[i] = c < 160 && c % 4 === 0 ? sgn * (1000 + r()) : randn(r);
    else {
      const u = r();
      a[i] = u < 0.05 ? NaN : u < 0.1 ? Infinity : u < 0.15 ? -Infinity : u < 0.2 ? -0 : u < 0.25 ? 0 : u < 0.4 ? 1 : randn(r);
    }
  }
  if (kind === 'blocks') sortBlocks(a, rows, n, largest);
  return a;
}

/** Rows of blocks laid end to end, each sorted best-first and each a little worse than the one before (like ADC
 *  candidates: probed lists nearest first, each list's vectors nearest first); blocks of 37 to 1500 columns. */
function sortBlocks(a: Float32Array, rows: number, n: number, largest: boolean): void {
  const sgn = largest ? 1 : -1;
  for (let row = 0; row < rows; row++) {
    const len = [37, 150, 700, 1500][row % 4]!;
    for (let b0 = 0, b = 0; b0 < n; b0 += len, b++) {
      const block = a.subarray(row * n + b0, row * n + Math.min(n, b0 + len));
      block.sort((x, y) => sgn * (y - x));
      for (let i = 0; i < block.length; i++) block[i]! -= sgn * 0.05 * b;
    }
  }
}

const sameF = (a: number, b: number) => (Number.isNaN(a) && Number.isNaN(b)) || a === b;

async function run(rows: number, n: number, k: number, largest: boolean, vals: Float32Array, kernel: TopkKernel, map?: Int32Array, streamGroup: StreamGroup = 'auto') {
  const engine = await getEngine();
  const live = engine.liveBuffers;
  const vb = engine.upload(vals.length ? vals : new Float32Array(1));
  const mb = map ? engine.upload(map) : undefined;
  const ov = engine.upload(new Float32Array(rows * k).fill(POISON_F32));
  const oi = engine.upload(new Uint32Array(rows * k).fill(POISON_U32));
  try {
    topk(engine, vb, ov, oi, rows, n, k, largest, mb, { kernel, streamGroup });
    return { values: await engine.read(ov, Float32Array, 0, rows * k * 4), indices: await engine.read(oi, Int32Array, 0, rows * k * 4) };
  } finally {
    vb.dispose(); mb?.dispose(); ov.dispose(); oi.dispose();
    if (engine.liveBuffers !== live) throw new Error(`topk(${kernel}) left ${engine.liveBuffers - live} buffers alive`);
  }
}

function firstMismatch(a: { values: ArrayLike<number>; indices: ArrayLike<number> }, b: { values: ArrayLike<number>; indices: ArrayLike<number> }): number {
  for (let i = 0; i < b.values.length; i++) if (!sameF(a.values[i]!, b.values[i]!) || a.indices[i] !== b.indices[i]) return i;
  return a.values.length === b.values.length ? -1 : b.values.length;
}

async function check(t: Test, seed: number, rows: number, n: number, k: number, largest: boolean, kind: Kind, withMap = false, group: StreamGroup = 'auto') {
  const r = rng(seed + rows * 7919 + n * 31 + k * 3 + (largest ? 1 : 0));
  const vals = makeValues(r, rows, n, kind, largest);
  const map = withMap ? Int32Array.from({ length: n }, () => Math.floor(r() * 1e6) - 1000) : undefined;
  const want = topkRef(vals, rows, n, k, largest, map);
  const stream = await run(rows, n, k, largest, vals, 'stream', map, group);
  const select = await run(rows, n, k, largest, vals, 'select', map);
  const what = `seed ${seed} rows=${rows} n=${n} k=${k} ${largest ? 'largest' : 'smallest'} ${kind}${map ? ' indexMap' : ''} group ${group}`;
  const bad = firstMismatch(stream, want);
  t.equal(bad, -1, bad < 0 ? `${what}: stream = reference` : `${what}: stream, first mismatch at ${bad}: got (${stream.values[bad]}, ${stream.indices[bad]}) want (${want.values[bad]}, ${want.indices[bad]})`);
  t.equal(firstMismatch(stream, select), -1, `${what}: stream = select`);
}

t.test('topk_stream, one workgroup per row (256+ rows): every kind of values, directions alternating', async (t) => {
  const seed = freshSeed();
  t.comment(`seed ${seed}`);
  const kinds: Kind[] = ['normal', 'ties', 'equal', 'special', 'ascending', 'descending', 'crowded', 'decoy'];
  for (const [i, kind] of kinds.entries()) await check(t, seed, 256, 1200, 100, i % 2 === 0, kind, kind === 'normal');
  await check(t, seed, 257, 1031, 100, true, 'decoy'); // scalar reads (n % 4 != 0)
  await check(t, seed, 256, 1500, 1, false, 'special');
});

t.test('topk_stream on rows of sorted blocks (ADC candidate rows): one workgroup per row and chunks', async (t) => {
  const seed = freshSeed();
  t.comment(`seed ${seed}`);
  await check(t, seed, 256, 6000, 100, true, 'blocks');
  await check(t, seed, 256, 3001, 10, false, 'blocks');
  await check(t, seed, 4, 20000, 100, false, 'blocks');
  await check(t, seed, 4, 20000, 1024, true, 'blocks');
});

t.test('topk_stream at the edges: n < k, n = k, one row, primes, k = 1 and 1024, chunks merged', async (t) => {
  const seed = freshSeed();
  t.comment(`seed ${seed}`);
  const cases: [number, number, number, boolean, Kind][] = [
    [1, 1, 1, true, 'normal'], [1, 7, 1, false, 'special'], [3, 50, 100, true, 'special'], [2, 100, 100, false, 'ties'],
    [1, 4099, 100, true, 'normal'], [5, 4099, 1, false, 'crowded'], [2, 8192, 100, false, 'decoy'],
    [2, 9001, 100, false, 'normal'], [3, 1024, 1024, true, 'special'], [256, 1100, 1024, false, 'normal'],
    [2, 9000, 1024, true, 'crowded'], [8, 4096, 100, true, 'staggered'], [8, 4100, 100, false, 'staggered'], [2, 9000, 1024, false, 'decoy'], [1, 1031, 1024, true, 'equal'],
  ];
  for (const [rows, n, k, largest, kind] of cases) await check(t, seed, rows, n, k, largest, kind);
});

// k = 1024 (a safe scan from no threshold, reduced 8 lanes at a time) is covered with the default workgroups above
t.test('topk_stream in each kind of workgroup (subgroup, 8, 64 invocations): the same results', async (t) => {
  const seed = freshSeed();
  t.comment(`seed ${seed}`);
  const engine = await getEngine();
  const groups: StreamGroup[] = [8, 64, ...(engine.hasSubgroups ? ['subgroup' as const] : [])];
  const cases: [number, number, number, boolean, Kind][] = [
    [256, 1200, 100, true, 'normal'], [256, 1200, 100, false, 'ties'], [256, 1200, 100, true, 'equal'], [256, 1200, 100, false, 'special'],
    [256, 1200, 100, true, 'ascending'], [256, 1200, 100, false, 'crowded'], [256, 1200, 100, true, 'decoy'], [257, 1031, 100, false, 'decoy'],
    [8, 4096, 100, true, 'staggered'], [8, 4100, 100, false, 'staggered8'], [8, 6000, 30, true, 'staggered8'], [256, 3001, 10, false, 'blocks'],
    [2, 9001, 100, true, 'normal'], [3, 1024, 400, false, 'special'], [5, 4099, 1, false, 'crowded'],
  ];
  for (const group of groups) {
    for (const [rows, n, k, largest, kind] of cases) await check(t, seed, rows, n, k, largest, kind, false, group);
  }
});

// topk_stream_sg's first scan holds bit masks of blocks of 32 steps: rows that end inside a block (vec4 and
// scalar reads), an invocation with more passing steps than slots (the scan stops early), k = 1, 100 and 1024
t.test('topk_stream in subgroups: first scans in blocks of steps, rows ending mid-block', async (t) => {
  const seed = freshSeed();
  t.comment(`seed ${seed}`);
  const engine = await getEngine();
  if (!engine.hasSubgroups) { t.skip(`no subgroups of at least 8 on ${engine.adapterName}`, () => undefined); return; }
  const cases: [number, number, number, boolean, Kind][] = [
    [256, 4132, 100, true, 'special'], [256, 2051, 1, false, 'ties'], [256, 5000, 100, false, 'staggered8'],
    [256, 3076, 100, true, 'normal'], [257, 1029, 100, true, 'decoy'], [4, 20000, 1024, true, 'normal'], [3, 9000, 1024, false, 'special'],
  ];
  for (const [rows, n, k, largest, kind] of cases) await check(t, seed, rows, n, k, largest, kind, false, 'subgroup');
});

t.test('topk rejects an unknown kernel choice', async (t) => {
  const engine = await getEngine();
  const b = engine.buffer(64);
  t.throws(() => topk(engine, b, b, b, 1, 4, 1, true, undefined, { kernel: 'fast' as TopkKernel }), /kernel must be 'auto', 'stream', 'select' or 'rank'/);
  t.throws(() => topk(engine, b, b, b, 1, 4, 1, true, undefined, { streamGroup: 16 as StreamGroup }), /streamGroup must be 'auto', 'subgroup', 8 or 64/);
  b.dispose();
});
