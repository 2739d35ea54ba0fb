// Fuzzes both index readers with thousands of mutated files (deterministic seed; SEED= to vary): bit flips, byte
// overwrites, truncations, extensions, header field tweaks, section-content tweaks and extreme finite floats, with
// and without a re-computed .dvq checksum. Each file is read whole and again as a stream cut into random chunks
// (with and without its length known). A reader must return valid data (re-encoding to the same bytes) or throw its
// format's typed error - never another exception, a crash or an oversized allocation - and the three reads must
// agree. Then the files that loaded are searched on the GPU: every score is finite (NaN only with id -1, where a
// query found fewer than k vectors) and every id is one of the file's.
import t from 'tap';
import { getEngine, rng, randomF32 } from './helpers.js';
import { randomIvfPq } from './fixtures/random-ivfpq.js';
import { toBytes, fromBytes, crc32, readDvqHeader } from '../src/io/dvq-format.js';
import { toFaissBytes, fromFaissBytes } from '../src/io/faiss-format.js';
import { readIndexSource } from '../src/io/index-source.js';
import { validateIvfPq, VALUE_LIMITS, type IvfPqData } from '../src/io/ivfpq-data.js';
import { DvqFormatError, FaissFormatError } from '../src/util/errors.js';
import { IvfPqIndex } from '../src/api/ivfpq-index.js';
import { encodeRefine, trainSq8Ranges, type RefineKind } from '../src/quantizers/scalar.js';

const seed = process.env.SEED ? Number(process.env.SEED) : 20261127;
const r = rng(seed);
t.comment(`fuzz seed ${seed}`);
const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
const int = (n: number): number => Math.floor(r() * n);

const datas = [
  randomIvfPq(r, { metric: 'ip', dim: 8, m: 4, bits: 8, nlist: 4, ntotal: 30 }),
  randomIvfPq(r, { metric: 'l2', dim: 6, m: 3, bits: 4, nlist: 5, ntotal: 17, rotation: true, emptyLists: true }),
  randomIvfPq(r, { metric: 'ip', dim: 4, m: 2, bits: 4, nlist: 1, ntotal: 0 }),
  randomIvfPq(r, { metric: 'l2', dim: 2, m: 1, bits: 8, nlist: 3, ntotal: 5, rotation: true }),
  randomIvfPq(r, { metric: 'l2', dim: 8, m: 2, bits: 4, nlist: 6, ntotal: 40 }),
];
const INTERESTING = [0, 1, 2, 3, 4, 7, 8, 16, 255, 256, 65535, 65536, 65537, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 1 << 20, (1 << 20) + 1, 1 << 24];
// finite floats at and around the value limits and float32's range (3.4e38 was accepted and broke L2 search)
const EXTREME = [3.4028234e38, 1e38, 1e30, 2 ** 64, 2 ** 62, 2 ** 61, 2 ** 60, 1e18, 2 ** 40, 1e10, 1.4e-45, 1e-38].flatMap((v) => [v, -v]);

type Format = 'dvq' | 'faiss';
interface Base { format: Format; bytes: Uint8Array; floats: [number, number] }

/** Where the float sections (rotation, centroids, codebooks) lie in each file. */
function dvqBase(d: IvfPqData): Base {
  const bytes = toBytes(d);
  const o = readDvqHeader(bytes, bytes.length).offsets;
  return { format: 'dvq', bytes, floats: [o.rotation, o.listOffsets] };
}
function faissBase(d: IvfPqData): Base {
  const bytes = toFaissBytes(d);
  // the quantizer's centroids start after its fourcc, header and vector length; the PQ centroids end at 'ilar'
  const il = Buffer.from(bytes).indexOf('ilar');
  const start = Buffer.from(bytes).indexOf(d.metric === 'ip' ? 'IxFI' : 'IxF2') + 4 + 33 + 8;
  return { format: 'faiss', bytes, floats: [start, il] };
}
/** d with a refine copy of random vectors (.dvq version 2). */
function withRefine(d: IvfPqData, kind: RefineKind): IvfPqData {
  const n = d.ids.length, x = Float32Array.from({ length: (n + 2) * d.dim }, () => (r() - 0.5) * 8);
  const ranges = kind === 'sq8' ? trainSq8Ranges(x, n + 2, d.dim) : new Float32Array(0);
  return { ...d, refine: { kind, ranges, codes: encodeRefine(kind, ranges, x, n, d.dim) } };
}
const bases: Base[] = [...datas.map(dvqBase), ...datas.map(faissBase), dvqBase(withRefine(datas[0]!, 'sq8')), dvqBase(withRefine(datas[1]!, 'fp16'))];

function fixCrc(b: Uint8Array): void {
  if (b.length < 4) return;
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true);
}

type Mutation = (b: Uint8Array, base: Base) => Uint8Array;
const mutations: [string, Mutation][] = [
  ['bit flips', (b) => { const c = b.slice(); for (let k = 1 + int(4); k > 0; k--) { const i = int(c.length); c[i]! ^= 1 << int(8); } return c; }],
  ['byte overwrite', (b) => { const c = b.slice(); for (let k = 1 + int(4); k > 0; k--) c[int(c.length)] = int(256); return c; }],
  ['truncate', (b) => b.slice(0, int(b.length))],
  ['extend', (b) => { const c = new Uint8Array(b.length + 1 + int(64)); c.set(b); for (let i = b.length; i < c.length; i++) c[i] = int(256); return c; }],
  ['header field', (b) => { const c = b.slice(); new DataView(c.buffer).setUint32(4 * int(16), pick(INTERESTING), true); return c; }],
  ['header field +-1', (b) => { const c = b.slice(); const dv = new DataView(c.buffer); const o = 4 * int(16); dv.setUint32(o, (dv.getUint32(o, true) + (r() < 0.5 ? 1 : -1)) >>> 0, true); return c; }],
  ['u32 anywhere', (b) => {
    const c = b.slice(); const dv = new DataView(c.buffer);
    const o = 4 * int(Math.max(1, (c.length - 4) / 4));
    const v = r() < 0.3 ? pick(INTERESTING) : r() < 0.5 ? 0x7fc00000 /* NaN */ : (dv.getUint32(o, true) + int(5) - 2) >>> 0;
    if (o + 4 <= c.length) dv.setUint32(o, v, true);
    return c;
  }],
  ['extreme floats', (b, base) => {
    const c = b.slice(); const dv = new DataView(c.buffer);
    const [from, to] = base.floats;
    for (let k = 1 + int(3); k > 0 && to - from >= 4; k--) dv.setFloat32(from + 4 * int((to - from) / 4), pick(EXTREME), true);
    return c;
  }],
  ['splice', (b) => { const c = b.slice(); const a = int(c.length), len = int(16), to = int(c.length); c.copyWithin(to, a, a + len); return c; }],
];

/** `bytes` as a stream of random chunks (1 byte to the whole rest; single bytes often). */
function chunked(bytes: Uint8Array) {
  let at = 0;
  return {
    async next(): Promise<Uint8Array | null> {
      if (at >= bytes.length) return null;
      const n = r() < 0.3 ? 1 : 1 + int(Math.min(bytes.length - at, 1 + int(200)));
      const c = bytes.slice(at, at + n);
      at += n;
      return c;
    },
  };
}

type Outcome = { ok: true; data: IvfPqData } | { ok: false; error: unknown };
const attempt = async (f: () => IvfPqData | Promise<IvfPqData>): Promise<Outcome> => {
  try { return { ok: true, data: await f() }; } catch (error) { return { ok: false, error }; }
};

const accepted: { key: string; data: IvfPqData }[] = [];

t.test('readers survive mutated files, whole and streamed', async (t) => {
  const counts: Record<string, { ok: number; rejected: number }> = {};
  const reasons = new Map<string, number>();
  let total = 0, unexpected = 0;
  const N = Number(process.env.FUZZ_N ?? 6000);
  const failOnce = (msg: string): void => { unexpected++; if (unexpected <= 5) t.fail(msg); };
  for (let iter = 0; iter < N; iter++) {
    const base = pick(bases);
    const [name, mutate] = pick(mutations);
    const fix = base.format === 'dvq' && r() < 0.5;
    const bytes = mutate(base.bytes, base);
    if (fix) fixCrc(bytes);
    const key = `${base.format} ${name}${fix ? ' +crc' : ''}`;
    counts[key] ??= { ok: 0, rejected: 0 };
    total++;
    const where = `iteration ${iter} (${key}, seed ${seed})`;
    const whole = await attempt(() => (base.format === 'dvq' ? fromBytes(bytes) : fromFaissBytes(bytes)));
    const streamed = await attempt(() => readIndexSource('s', chunked(bytes), { length: bytes.length, format: base.format }));
    const unsized = await attempt(() => readIndexSource('s', chunked(bytes), { format: base.format }));
    if (whole.ok) {
      const d = whole.data;
      try {
        validateIvfPq(d);
        let held = 0;
        for (const a of [d.rotation, d.centroids, d.codebooks, d.listOffsets, d.ids, d.codes]) held += a ? a.byteLength : 0;
        if (held > bytes.length) throw new Error(`returned ${held} bytes of arrays from a ${bytes.length}-byte file`);
        const again = base.format === 'dvq' ? toBytes(d) : toFaissBytes(d);
        if (base.format === 'dvq' && (again.length !== bytes.length || again.some((v, i) => v !== bytes[i]))) throw new Error('accepted file does not re-encode to the same bytes');
        for (const s of [streamed, unsized]) {
          if (!s.ok) throw new Error(`read whole but the stream failed: ${(s.error as Error).message}`);
          const b2 = toBytes(s.data);
          if (Buffer.compare(Buffer.from(b2), Buffer.from(toBytes(d))) !== 0) throw new Error('the streamed read differs');
        }
        counts[key].ok++;
        if (d.listOffsets[d.nlist]! > 0) accepted.push({ key, data: d });
      } catch (e) {
        failOnce(`${where}: FUZZ: ${(e as Error).message}`);
      }
      continue;
    }
    const E = base.format === 'dvq' ? DvqFormatError : FaissFormatError;
    const prefix = base.format === 'dvq' ? /^dvq: / : /^faiss: /;
    const e = whole.error;
    if (!(e instanceof E) || e.constructor !== E || !prefix.test(e.message)) {
      failOnce(`${where}: ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`);
      continue;
    }
    // the stream with its length known gives the same message (named by the source); without it, the same class
    const se = streamed.ok ? null : streamed.error as Error, ue = unsized.ok ? null : unsized.error as Error;
    if (!se || se.message !== `s: ${e.message}`) { failOnce(`${where}: whole read "${e.message}", streamed "${se?.message ?? 'accepted'}"`); continue; }
    if (!(ue instanceof E)) { failOnce(`${where}: whole read "${e.message}", stream of unknown length ${ue ? `${ue.constructor.name}: ${ue.message}` : 'accepted'}`); continue; }
    counts[key].rejected++;
    const reason = e.message.replace(/0x[0-9a-f]+|-?\d[\d.e+-]*|"[^"]*"|'[^']*'/g, '#').slice(0, 48);
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  t.equal(unexpected, 0, `${total} mutated files: each read to valid data or was refused with its format's error, whole and streamed alike`);
  t.ok(reasons.size >= 20, `many distinct rejection reasons were exercised (${reasons.size})`);
  t.ok(accepted.length >= 50, `${accepted.length} mutated files loaded`);
  for (const [k, v] of Object.entries(counts)) t.comment(`${k}: ${v.ok} accepted, ${v.rejected} rejected`);
  for (const [k, v] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 40)) t.comment(`${v} x ${k}`);
  for (const b of bases) t.ok(b.format === 'dvq' ? fromBytes(b.bytes) : fromFaissBytes(b.bytes), `base ${b.format} file parses`);
});

t.test('every file that loads searches with finite scores and ids from the file', async (t) => {
  const engine = await getEngine();
  const M = Math.min(accepted.length, Number(process.env.FUZZ_SEARCH ?? 200));
  let bad = 0, searched = 0, short = 0;
  for (let i = 0; i < M; i++) {
    const { key, data } = accepted[Math.floor((i * accepted.length) / M)]!;
    const index = IvfPqIndex.fromData(engine, data);
    const n = index.ntotal, dim = data.dim;
    const k = Math.min(n, 1 + int(10)), nprobe = 1 + int(data.nlist);
    // ordinary queries and ones at 90% of the input norm limit
    const q = randomF32(r, 6 * dim);
    for (let row = 3; row < 6; row++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += q[row * dim + j]! ** 2;
      const f = (0.9 * VALUE_LIMITS.inputNorm(dim)) / Math.sqrt(s);
      for (let j = 0; j < dim; j++) q[row * dim + j]! *= f;
    }
    // a refine copy: the refined search too (its scores come from the refine codes)
    const res = await index.search(q, { k, nprobe, ...(data.refine && k * 3 <= 1024 ? { refineFactor: 3 } : {}) });
    const ids = new Set(data.ids);
    for (let qi = 0; qi < 6; qi++) {
      let ended = false;
      for (let j = 0; j < k; j++) {
        const id = res.ids[qi * k + j]!, s = res.scores[qi * k + j]!;
        const ok = id === -1 ? Number.isNaN(s) : !ended && Number.isFinite(s) && ids.has(id);
        if (id === -1) { ended = true; short++; }
        if (!ok && bad++ < 5) t.fail(`${key}: query ${qi} rank ${j}: id ${id} score ${s} (nprobe ${nprobe} of ${data.nlist}, k ${k})`);
      }
      if (nprobe === data.nlist && ended && bad++ < 5) t.fail(`${key}: all lists probed, yet fewer than k = ${k} results`);
    }
    searched++;
    index.dispose();
  }
  t.equal(bad, 0, `${searched} loaded mutated files searched (6 queries each, 3 at 0.9 x the input norm limit): finite scores, ids from the file (${short} empty ranks where fewer lists were probed)`);
});
