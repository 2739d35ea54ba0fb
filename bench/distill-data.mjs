// The distillation benchmarks' data split, for any dataset folder described by a dataset.json: the base (one
// file or parts, .fvecs / .bvecs (uint8, read as float) / .fbin / .npy), the queries, their exact top-100 and
// the metric. Training queries 0-1999, evaluation queries 2000 to the last one (wordnet-use-lite-512-ip:
// 2000-2999; fashion-mnist-784-l2: 2000-4999).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readVectors, readIntVectors } from '../dist/index.js';

export const TRAIN_QUERIES = 2000;
const VECTOR_FILE = /\.(fvecs|bvecs|fbin|npy)$/;

/** The files and metric a dataset.json names: explicit keys (base_files, query_file, groundtruth_file) when it
 *  has them, otherwise the entries of its `files` map named base*, query*, groundtruth*.ivecs. */
export function describeDataset(dataDir) {
  const meta = JSON.parse(readFileSync(join(dataDir, 'dataset.json'), 'utf8'));
  const listed = Object.keys(meta.files ?? {});
  const pick = (re, what) => {
    const f = listed.filter((x) => re.test(x)).sort();
    if (!f.length) throw new Error(`${dataDir}/dataset.json names no ${what} file (files: ${listed.join(', ') || 'none'})`);
    return f;
  };
  const baseFiles = meta.base_files ? meta.base_files.map((f) => f.file) : pick(/^base.*\.(fvecs|bvecs|fbin|npy)$/, 'base vector');
  const queryFile = meta.query_file ?? pick(/^query.*\.(fvecs|bvecs|fbin|npy)$/, 'query vector')[0];
  const gtFile = meta.groundtruth_file ?? pick(/^groundtruth.*\.ivecs$/, 'ground-truth')[0];
  for (const f of [...baseFiles, queryFile]) if (!VECTOR_FILE.test(f)) throw new Error(`${dataDir}: ${f} is not a vector file`);
  const m = String(meta.metric ?? '');
  const metric = /^(l2|euclid)/i.test(m) || /squared euclidean/i.test(m) ? 'l2' : /inner product|^ip\b|cosine/i.test(m) ? 'ip' : null;
  if (!metric) throw new Error(`${dataDir}/dataset.json: metric '${m}' is neither L2 nor inner product`);
  return { meta, name: meta.name, metric, baseFiles: baseFiles.map((f) => join(dataDir, f)), queryFile: join(dataDir, queryFile), gtFile: join(dataDir, gtFile) };
}

export async function loadDistillSplit(dataDir) {
  const d = describeDataset(dataDir);
  const base = await readVectors(d.baseFiles);
  const queries = await readVectors(d.queryFile);
  const gt = await readIntVectors(d.gtFile);
  const dim = base.dim;
  if (queries.dim !== dim) throw new Error(`${d.queryFile}: dimension ${queries.dim}, base ${dim}`);
  if (gt.n !== queries.n) throw new Error(`${d.gtFile}: ${gt.n} rows for ${queries.n} queries`);
  if (queries.n <= TRAIN_QUERIES) throw new Error(`${d.queryFile}: ${queries.n} queries; over ${TRAIN_QUERIES} are needed (the first ${TRAIN_QUERIES} train)`);
  const nEval = queries.n - TRAIN_QUERIES;
  return {
    ...d, base, dim, gt, nEval, evalRows: [TRAIN_QUERIES, queries.n],
    trainQ: queries.data.subarray(0, TRAIN_QUERIES * dim),
    evalQ: queries.data.subarray(TRAIN_QUERIES * dim), evalGt: gt.data.subarray(TRAIN_QUERIES * gt.dim),
  };
}
