// adc_cols and adc_ids driven through their kernel handles (engine.run), so Node only: the browser suite runs the
// kernel-*.test.ts files against the library bundle, which does not export kernel handles.
import t from 'tap';
import { getEngine, rng, freshSeed, POISON_U32 } from './helpers.js';
import { adc_cols, adc_ids } from '../src/shaders/kernels.js';

/** adc_cols's layout on the CPU: per query of the chunk, cols = [count (at most cap), start column of each probe]
 *  and order = the probes in layout order as (start column, first position, length, 0). */
function colsRef(probes: Int32Array, offsets: Uint32Array, nq: number, q0: number, nprobe: number, nlist: number, cap: number) {
  const len = (l: number) => (l < 0 || l >= nlist ? 0 : offsets[l + 1]! - offsets[l]!);
  const cols = new Uint32Array(nq * (nprobe + 1)), order = new Uint32Array(nq * nprobe * 4);
  for (let q = 0; q < nq; q++) {
    const pr = Array.from(probes.subarray((q0 + q) * nprobe, (q0 + q + 1) * nprobe));
    const sorted = pr.map((l, p) => ({ l, p })).sort((a, b) => a.l - b.l || a.p - b.p);
    let off = 0;
    sorted.forEach(({ l, p }, r) => {
      cols[q * (nprobe + 1) + 1 + p] = off;
      order.set([off, l >= 0 && l < nlist ? offsets[l]! : 0, len(l), 0], (q * nprobe + r) * 4);
      off += len(l);
    });
    cols[q * (nprobe + 1)] = Math.min(off, cap);
  }
  return { cols, order };
}

/** adc_ids on the CPU: column c of query q is the vector of the probe whose list's columns hold it, else -1. */
function idsRef(col: number, q: number, cols: Uint32Array, probes: Int32Array, offsets: Uint32Array, ids: Int32Array, q0: number, nprobe: number, nlist: number): number {
  if (col < 0) return col;
  for (let p = 0; p < nprobe; p++) {
    const l = probes[(q0 + q) * nprobe + p]!;
    if (l < 0 || l >= nlist) continue;
    const off = cols[q * (nprobe + 1) + 1 + p]!, st = offsets[l]!;
    if (col >= off && col - off < offsets[l + 1]! - st) return ids[st + col - off]!;
  }
  return -1;
}

t.test('adc_cols lays out the probed lists and adc_ids maps columns to ids (awkward sizes, -1 and repeated probes, empty lists, poisoned outputs)', async (t) => {
  const engine = await getEngine();
  const seed = freshSeed();
  t.comment(`seed ${seed}`);
  const r = rng(seed);
  const cases = [
    { nq: 1, q0: 0, nprobe: 1, nlist: 1, k: 1 },
    { nq: 3, q0: 2, nprobe: 7, nlist: 5, k: 13 },
    { nq: 13, q0: 1, nprobe: 32, nlist: 256, k: 100 },
    { nq: 5, q0: 0, nprobe: 33, nlist: 40, k: 130 },
    { nq: 2, q0: 3, nprobe: 70, nlist: 9, k: 64 },
  ];
  for (const c of cases) {
    const { nq, q0, nprobe, nlist, k } = c;
    const sizes = Array.from({ length: nlist }, () => (r() < 0.25 ? 0 : Math.floor(r() * 20)));
    const offsets = new Uint32Array(nlist + 1);
    sizes.forEach((s, l) => { offsets[l + 1] = offsets[l]! + s; });
    const ntotal = offsets[nlist]!;
    const ids = Int32Array.from({ length: Math.max(1, ntotal) }, () => Math.floor(r() * 1e9));
    // probes: mostly valid, some -1, some repeated, some past nlist
    const probes = Int32Array.from({ length: (q0 + nq) * nprobe }, () => {
      const u = r();
      return u < 0.1 ? -1 : u < 0.15 ? nlist + Math.floor(r() * 3) : Math.floor(r() * nlist);
    });
    const cap = Math.max(1, [...sizes].sort((a, b) => b - a).slice(0, nprobe).reduce((a, b) => a + b, 0));
    const want = colsRef(probes, offsets, nq, q0, nprobe, nlist, cap);
    const pb = engine.upload(probes), ob = engine.upload(offsets), ib = engine.upload(ids);
    const nc = nq * (nprobe + 1) + 5, no = nq * nprobe * 4 + 8; // outputs with a poisoned tail
    const colsB = engine.upload(new Uint32Array(nc).fill(POISON_U32));
    const orderB = engine.upload(new Uint32Array(no).fill(POISON_U32));
    engine.run(adc_cols, { bindings: { probes: pb, listOffsets: ob, cols: colsB, order: orderB }, params: { nq, nprobe, nlist, cap, q0 }, workgroups: Math.ceil((nq * nprobe) / 64) });
    const gc = await engine.read(colsB, Uint32Array, 0, nc * 4), go = await engine.read(orderB, Uint32Array, 0, no * 4);
    const what = `seed ${seed} ${JSON.stringify(c)}`;
    t.same(Array.from(gc.subarray(0, want.cols.length)), Array.from(want.cols), `${what}: cols`);
    t.ok(gc.subarray(want.cols.length).every((x) => x === POISON_U32), `${what}: nothing written past cols`);
    // the fourth word of an entry is 0
    t.same(Array.from(go.subarray(0, want.order.length)), Array.from(want.order), `${what}: order`);
    t.ok(go.subarray(want.order.length).every((x) => x === POISON_U32), `${what}: nothing written past order`);
    // columns of the k outputs of every query of the whole (q0 + nq) x k array: -1, inside, and past the candidates
    const outIds = new Int32Array((q0 + nq) * k + 3).fill(POISON_U32 | 0);
    for (let q = 0; q < nq; q++) {
      const total = want.cols[q * (nprobe + 1)]!;
      for (let e = 0; e < k; e++) {
        const u = r();
        outIds[(q0 + q) * k + e] = u < 0.1 ? -1 : u < 0.2 ? total + Math.floor(r() * 5) : Math.floor(r() * Math.max(1, total));
      }
    }
    const wantIds = outIds.slice();
    for (let q = 0; q < nq; q++) for (let e = 0; e < k; e++) {
      const at = (q0 + q) * k + e;
      wantIds[at] = idsRef(outIds[at]!, q, want.cols, probes, offsets, ids, q0, nprobe, nlist);
    }
    const outB = engine.upload(outIds);
    const wpq = Math.ceil(k / 64);
    engine.run(adc_ids, { bindings: { order: orderB, ids: ib, outIds: outB }, params: { nq, nprobe, nlist, k, q0, wpq }, workgroups: nq * wpq });
    const gi = await engine.read(outB, Int32Array, 0, outIds.length * 4);
    let bad = -1;
    for (let i = 0; i < gi.length; i++) if (gi[i] !== wantIds[i]) { bad = i; break; }
    t.equal(bad, -1, bad < 0 ? `${what}: ids (other queries' rows untouched)` : `${what}: first mismatch at ${bad}: got ${gi[bad]} want ${wantIds[bad]}`);
    for (const b of [pb, ob, ib, colsB, orderB, outB]) b.dispose();
  }
});
