// Builds data/demo/ (the small demo data set shipped in the package) from the full WordNet/USE-lite set.
// Run: npx tsx scripts/make-demo-data.mjs [sourceDir] [outDir]
//   sourceDir defaults to /work/shared/data/wordnet-use-lite-512-ip, outDir to data/demo.
// Subset (deterministic, seed 20261127):
//   queries: the first NQ queries of the source (the source queries are already a random draw);
//   base: the source-synset rows of those queries, plus a seeded uniform sample of the other base rows, NB in all,
//         kept in their original order (so every query's weak relevance label stays inside the subset).
// Vectors are stored as float16 (raw little-endian, row-major); the top-100 ground truth is recomputed in float64
// on the float16-decoded vectors by inner product, ties broken by lower index. Output is byte-for-byte
// reproducible.
import { readFileSync, writeFileSync, mkdirSync, copyFileSync, statSync, readdirSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readVectors } from '../src/io/vectors-node.js';
import { float32ToFloat16, float16ToFloat32, encodeIvecs } from '../src/io/vectors.js';
import { mulberry32 } from '../src/util/random.js';

const NB = 8000, NQ = 500, K = 100, SEED = 20261127;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = process.argv[2] ?? '/work/shared/data/wordnet-use-lite-512-ip';
const out = resolve(process.argv[3] ?? join(root, 'data/demo'));
const info = JSON.parse(readFileSync(join(src, 'dataset.json'), 'utf8'));

const readJsonl = (f) => gunzipSync(readFileSync(join(src, f))).toString('utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l));

const t0 = Date.now();
const base = await readVectors(info.base_files.map((b) => join(src, b.file)));
const query = await readVectors(join(src, info.query_file));
const dim = base.dim;
const baseTexts = readJsonl(info.texts.base.split(' ')[0]);
const queryTexts = readJsonl(info.texts.query.split(' ')[0]);
if (baseTexts.length !== base.n || queryTexts.length < NQ) throw new Error('texts do not match the vectors');
console.log(`read ${base.n} base, ${query.n} queries, dim ${dim} (${Date.now() - t0} ms)`);

// ---- subset
const chosen = new Uint8Array(base.n);
let count = 0;
for (let q = 0; q < NQ; q++) {
  const s = queryTexts[q].source_base_index;
  if (!chosen[s]) { chosen[s] = 1; count++; }
}
const r = mulberry32(SEED);
const perm = Array.from({ length: base.n }, (_, i) => i);
for (let i = perm.length - 1; i > 0; i--) { const j = Math.floor(r() * (i + 1)); [perm[i], perm[j]] = [perm[j], perm[i]]; }
for (const i of perm) { if (count >= NB) break; if (!chosen[i]) { chosen[i] = 1; count++; } }
const rows = [];
for (let i = 0; i < base.n; i++) if (chosen[i]) rows.push(i);
const newIndex = new Map(rows.map((orig, i) => [orig, i]));

const b32 = new Float32Array(NB * dim);
rows.forEach((orig, i) => b32.set(base.data.subarray(orig * dim, (orig + 1) * dim), i * dim));
const q32 = query.data.slice(0, NQ * dim);
const b16 = float32ToFloat16(b32), q16 = float32ToFloat16(q32);
const bDec = float16ToFloat32(b16), qDec = float16ToFloat32(q16);

// ---- exact top-K by inner product, float64, ties -> lower index
const gt = new Int32Array(NQ * K);
const scores = new Float64Array(NB);
const order = new Int32Array(NB);
for (let q = 0; q < NQ; q++) {
  const qo = q * dim;
  for (let i = 0; i < NB; i++) {
    let s = 0;
    const bo = i * dim;
    for (let j = 0; j < dim; j++) s += qDec[qo + j] * bDec[bo + j];
    scores[i] = s;
    order[i] = i;
  }
  const top = Array.from(order).sort((a, b) => scores[b] - scores[a] || a - b).slice(0, K);
  gt.set(top, q * K);
}
console.log(`ground truth ${NQ} x ${K} (${Date.now() - t0} ms)`);

// ---- write
mkdirSync(out, { recursive: true });
const le = (a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength); // little-endian hosts only (checked below)
if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) throw new Error('run on a little-endian host');
writeFileSync(join(out, 'base.f16'), le(b16));
writeFileSync(join(out, 'query.f16'), le(q16));
writeFileSync(join(out, 'groundtruth.ip.top100.ivecs'), encodeIvecs(gt, K));
const jsonl = (objs) => gzipSync(Buffer.from(objs.map((o) => JSON.stringify(o)).join('\n') + '\n'), { level: 9 });
writeFileSync(join(out, 'base_texts.jsonl.gz'), jsonl(rows.map((orig, i) => ({ i, orig: orig, synset: baseTexts[orig].synset, text: baseTexts[orig].text }))));
writeFileSync(join(out, 'query_texts.jsonl.gz'), jsonl(queryTexts.slice(0, NQ).map((qt) => ({
  i: qt.i, synset: qt.synset, source_base_index: newIndex.get(qt.source_base_index), text: qt.text,
}))));
copyFileSync(join(src, 'LICENSE-WordNet-3.0.txt'), join(out, 'LICENSE-WordNet-3.0.txt'));
const dataset = {
  name: 'wordnet-use-lite-512-ip-demo',
  n_base: NB,
  n_query: NQ,
  dim,
  dtype: 'float16 little-endian (IEEE binary16), raw row-major, no header',
  base_file: 'base.f16',
  query_file: 'query.f16',
  groundtruth_file: 'groundtruth.ip.top100.ivecs',
  groundtruth: `exact top-${K} base indices (into this subset) per query by inner product, computed in float64 on the float16-decoded vectors, ties broken by lower index`,
  metric: 'inner product (vectors unit-norm to within float16 rounding)',
  texts: {
    base: 'base_texts.jsonl.gz (i, orig = row in the full set, synset, text)',
    query: 'query_texts.jsonl.gz (i = row in the full query set, synset, source_base_index = row in this subset, text)',
  },
  subset: `queries: the first ${NQ} queries of ${info.name}; base: the source-synset rows of those queries plus a uniform sample (Fisher-Yates shuffle with mulberry32 seed ${SEED}) of the other rows, ${NB} in all, in their original order`,
  source: info.name,
  encoder: info.encoder,
  encoder_license: info.encoder_license,
  corpus: info.corpus,
  corpus_license: info.corpus_license,
  license_file: 'LICENSE-WordNet-3.0.txt',
  recipe: 'scripts/make-demo-data.mjs (npx tsx scripts/make-demo-data.mjs)',
};
writeFileSync(join(out, 'dataset.json'), JSON.stringify(dataset, null, 1) + '\n');
let total = 0;
for (const f of readdirSync(out)) { const s = statSync(join(out, f)).size; total += s; console.log(`${f}: ${s} bytes`); }
console.log(`total ${(total / 1e6).toFixed(2)} MB in ${out} (${Date.now() - t0} ms)`);
