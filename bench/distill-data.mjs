// The distillation benchmarks' data split on wordnet-use-lite-512-ip: base, training queries 0-1999 and
// evaluation queries 2000-2999 with their exact top-100.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readVectors, readIntVectors } from '../dist/index.js';

export async function loadDistillSplit(dataDir) {
  const meta = JSON.parse(readFileSync(join(dataDir, 'dataset.json'), 'utf8'));
  const base = await readVectors(meta.base_files.map((f) => join(dataDir, f.file)));
  const queries = await readVectors(join(dataDir, meta.query_file));
  const gt = await readIntVectors(join(dataDir, meta.groundtruth_file));
  const dim = base.dim;
  return {
    meta, base, dim, gt,
    trainQ: queries.data.subarray(0, 2000 * dim),
    evalQ: queries.data.subarray(2000 * dim, 3000 * dim), evalGt: gt.data.subarray(2000 * gt.dim, 3000 * gt.dim), nEval: 1000,
  };
}
