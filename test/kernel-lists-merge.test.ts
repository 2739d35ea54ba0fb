// The merge of per-segment top-k (lists_merge) and the id gather of one segment's positions (lists_ids) against
// float64 / host references on fresh random inputs, with poisoned outputs. Runs in the browser suite too.
import t from 'tap';
import { POISON_F32, POISON_U32, freshSeed, getEngine, randomF32, rng } from './helpers.js';
import { mergeTopk, positionsToIds } from '../src/kernels/lists-merge.js';

const seed = freshSeed();
const r = rng(seed);

/** The selection's order (tk_key, then the lower position): negative when (a, pa) ranks first. NaN ranks last,
 *  -0 and +0 are equal. */
function order(a: number, pa: number, b: number, pb: number, largest: boolean): number {
  const na = Number.isNaN(a), nb = Number.isNaN(b);
  if (na !== nb) return na ? 1 : -1;
  if (!na && a !== b) return (a > b) === largest ? -1 : 1;
  return pa - pb;
}

/** float64 reference of mergeTopk: all real candidates of a query's segment rows, best first, ties to lower pos. */
function refMerge(scores: Float32Array, pos: Uint32Array, rows: number, k: number, segs: number, stride: number, largest: boolean) {
  const outS = new Float32Array(rows * k).fill(largest ? -Infinity : Infinity), outP = new Uint32Array(rows * k).fill(0xffffffff);
  for (let q = 0; q < rows; q++) {
    const c: { s: number; p: number }[] = [];
    for (let s = 0; s < segs; s++) {
      for (let j = 0; j < k; j++) {
        const i = s * stride + q * k + j;
        if (pos[i] !== 0xffffffff) c.push({ s: scores[i]!, p: pos[i]! });
      }
    }
    c.sort((a, b) => order(a.s, a.p, b.s, b.p, largest));
    for (let j = 0; j < Math.min(k, c.length); j++) { outS[q * k + j] = c[j]!.s; outP[q * k + j] = c[j]!.p; }
  }
  return { outS, outP };
}

t.test('mergeTopk: the merged k best of sorted segment rows, as a float64 reference ranks them', async (t) => {
  const engine = await getEngine(t);
  for (const [segs, rows, k] of [[1, 1, 1], [2, 3, 7], [3, 13, 5], [7, 5, 33], [2, 1, 100], [5, 2, 1]] as const) {
    for (const largest of [true, false]) {
      const stride = Math.ceil((rows * k) / 64) * 64 + (segs > 2 ? 64 : 0);
      const scores = new Float32Array(segs * stride).fill(POISON_F32), pos = new Uint32Array(segs * stride).fill(POISON_U32);
      // distinct global positions, dealt to segments; values from a small set (ties), with NaN, -0 / +0 and infinities
      const all = Array.from({ length: segs * k * 2 }, (_, i) => i).sort(() => r() - 0.5);
      const special = [NaN, -0, 0, Infinity, -Infinity];
      for (let q = 0; q < rows; q++) {
        for (let s = 0; s < segs; s++) {
          const real = Math.floor(r() * (k + 1)); // the rest of the row is padding
          const c = Array.from({ length: real }, (_, j) => {
            const v = r() < 0.15 ? special[Math.floor(r() * special.length)]! : Math.fround(Math.round(randomF32(r, 1)[0]! * 4) / 4);
            return { v, p: all[(s * k + j) * 2 + (q % 2)]! };
          });
          c.sort((a, b) => order(a.v, a.p, b.v, b.p, largest));
          for (let j = 0; j < k; j++) {
            const i = s * stride + q * k + j;
            scores[i] = j < real ? c[j]!.v : largest ? -Infinity : Infinity;
            pos[i] = j < real ? c[j]!.p : 0xffffffff;
          }
        }
      }
      // the kernel reads positions in the segment plus the segment's start
      const starts = new Uint32Array(segs), local = pos.slice();
      for (let s = 0; s < segs; s++) {
        let min = Infinity;
        for (let i = s * stride; i < s * stride + rows * k; i++) if (pos[i] !== 0xffffffff) min = Math.min(min, pos[i]!);
        starts[s] = Number.isFinite(min) ? Math.floor(r() * (min + 1)) : 7;
        for (let i = s * stride; i < s * stride + rows * k; i++) if (pos[i] !== 0xffffffff) local[i] = pos[i]! - starts[s]!;
      }
      const inS = engine.upload(scores), inP = engine.upload(local), st = engine.upload(starts);
      const outS = engine.upload(new Float32Array(rows * k).fill(POISON_F32)), outP = engine.upload(new Uint32Array(rows * k).fill(POISON_U32));
      try {
        mergeTopk(engine, { inScores: inS, inPos: inP, starts: st, outScores: outS, outPos: outP, rows, k, segs, stride, largest });
        const gotS = await engine.read(outS, Float32Array, 0, rows * k * 4), gotP = await engine.read(outP, Uint32Array, 0, rows * k * 4);
        const ref = refMerge(scores, pos, rows, k, segs, stride, largest);
        const name = `segs ${segs} rows ${rows} k ${k} ${largest ? 'largest' : 'smallest'}`;
        t.same(Array.from(gotP), Array.from(ref.outP), `${name}: positions`);
        t.same(Array.from(new Uint32Array(gotS.buffer)), Array.from(new Uint32Array(ref.outS.buffer)), `${name}: score bits`);
      } finally {
        for (const b of [inS, inP, st, outS, outP]) b.dispose();
      }
    }
  }
  const tiny = Array.from({ length: 5 }, () => engine.buffer(16));
  try {
    t.throws(() => mergeTopk(engine, { inScores: tiny[0]!, inPos: tiny[1]!, starts: tiny[2]!, outScores: tiny[3]!, outPos: tiny[4]!, rows: 2, k: 2, segs: 2, stride: 3, largest: true }),
      /stride must be an integer >= rows \* k = 4, got 3/);
  } finally {
    for (const b of tiny) b.dispose();
  }
});

t.test('positionsToIds: the ids of one segment\'s positions, -1 kept, other positions left alone', async (t) => {
  const engine = await getEngine(t);
  for (const [n, start, end] of [[1, 0, 1], [67, 10, 31], [200, 0, 0], [131, 50, 257]] as const) {
    const pos = Int32Array.from({ length: n }, () => (r() < 0.1 ? -1 : Math.floor(r() * 300)));
    const ids = Int32Array.from({ length: Math.max(1, end - start) }, () => Math.floor(r() * 2 ** 31) - 2 ** 30);
    const out0 = Int32Array.from({ length: n }, () => POISON_U32 | 0);
    const bp = engine.upload(pos), bi = engine.upload(ids), bo = engine.upload(out0);
    try {
      positionsToIds(engine, bp, bi, bo, n, start, end);
      const got = await engine.read(bo, Int32Array, 0, n * 4);
      const want = out0.map((v, i) => { const p = pos[i]!; return p < 0 ? -1 : p >= start && p < end ? ids[p - start]! : v; });
      t.same(Array.from(got), Array.from(want), `n ${n} rows [${start}, ${end})`);
    } finally {
      for (const b of [bp, bi, bo]) b.dispose();
    }
  }
});
