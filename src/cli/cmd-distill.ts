// `distill-vq distill`: Distill-VQ on an index that already exists (a .dvq, or a Faiss IndexIVFPQ / OPQ
// IndexPreTransform file trained by Faiss), given the base vectors it holds. The teacher ranks those vectors; the
// index's centroids and codebooks are learned from its own start (the rotation stays); the base is re-encoded.
//
// Ids: the i-th base vector is the vector with id i, so the index's ids must be 0..n-1, each once (what Faiss's
// add() gives), or `--ids F` (int32, one per base vector) names each base vector's id, and the index's ids must be
// exactly those. Everything that can be checked without the GPU is checked first: the flags, the files, the index
// (not empty), the base (its dim and count are the index's), the ids. Then, before distilling, the base is encoded
// with the index's own parameters: if most codes differ from the stored ones, the base is not (in this order) what
// the index holds, and the command stops.
import { IvfPqIndex } from '../api/ivfpq-index.js';
import { readIndexData, writeIndexData } from '../io/index-file.js';
import { saveFaissIndex } from '../io/faiss-file.js';
import type { IvfPqData } from '../io/ivfpq-data.js';
import { readIntVectors, readVectors, vectorSetShape } from '../io/vectors-node.js';
import { MAX_DIM } from '../io/vectors.js';
import { throwIfAborted } from '../util/abort.js';
import { InputError, UsageError } from '../util/errors.js';
import { now } from '../util/progress.js';
import type { Args } from './args.js';
import { files, progressPrinter, withEngine, type Result } from './command.js';
import { DISTILL_FLAGS_USAGE, checkDistillSizes, describeStart, distillFlags, printDistillOutcome } from './distill-flags.js';
import { checkFiles } from './files.js';

export const DISTILL_USAGE = `  distill-vq distill --index IN --base F... [--ids F] ${DISTILL_FLAGS_USAGE}
                    [--seed S] [--dim D] [--nprobe P] [--quiet] --out OUT.dvq|OUT.faissindex [--json]`;

/** An output path that names a Faiss file (else the output is a .dvq). */
export const FAISS_OUTPUT = /\.(faissindex|faiss|index)$/i;

/** Below this fraction of base vectors encoded as the index stores them, the base is refused (not its vectors). */
export const MIN_MATCHING_CODES = 0.5;

export async function cmdDistill(a: Args, signal: AbortSignal): Promise<Result> {
  const indexPath = a.req('index');
  const base = a.list('base', true);
  const idsPath = a.str('ids');
  const dim = a.optInt('dim', { min: 1, max: MAX_DIM });
  const seed = a.int('seed', { min: 0, max: 2 ** 32 - 1 }, 1234);
  const { opts: dOpts, trainQueries } = distillFlags(a);
  const out = a.req('out');
  const faissOut = FAISS_OUTPUT.test(out);
  const nprobe = a.optInt('nprobe', { min: 1 });
  if (nprobe !== undefined && !faissOut) throw new UsageError('--nprobe (the nprobe stored in a Faiss file) only applies when --out ends in .faissindex, .faiss or .index');
  const quiet = a.flag('quiet');
  a.done();
  const idsArg = idsPath !== undefined ? files('ids', [idsPath]) : [];
  await checkFiles([{ flag: 'index', path: indexPath }, ...files('base', base), ...idsArg, ...files('train-queries', trainQueries)], { flag: 'out', path: out });
  const t0 = now();
  const data = await readIndexData(indexPath, { signal });
  const n = data.listOffsets[data.nlist]!;
  if (n === 0) throw new InputError(`--index ${indexPath}: the index is empty (no vectors to distill; add them first)`);
  const shape = await vectorSetShape(base, dim !== undefined ? { dim } : {});
  if (shape.dim !== data.dim) throw new InputError(`--base ${base.join(' ')}: dimension ${shape.dim}, but the index ${indexPath} has dimension ${data.dim}`);
  if (shape.n !== n) {
    throw new InputError(`--base ${base.join(' ')}: ${shape.n} vectors, but the index ${indexPath} holds ${n}; the base must be the vectors the index holds, the i-th with id i (or the id --ids gives)`);
  }
  checkDistillSizes(dOpts, n, '--base');
  if (trainQueries.length) {
    const qd = (await vectorSetShape(trainQueries, dim !== undefined ? { dim } : {})).dim;
    if (qd !== data.dim) throw new InputError(`--train-queries ${trainQueries.join(' ')}: dimension ${qd}, but the index ${indexPath} has dimension ${data.dim}`);
  }
  const ids = idsPath !== undefined ? await readIds(idsPath, n) : undefined;
  checkIdsMatch(data, ids, indexPath, idsPath);
  const onProgress = progressPrinter(quiet);
  return withEngine({}, async (engine) => {
    const index = IvfPqIndex.fromData(engine, data);
    try {
      const { data: x } = await readVectors(base, { dim: data.dim });
      const tq = trainQueries.length ? (await readVectors(trainQueries, { dim: data.dim })).data : undefined;
      await index.reencode(x, ids, { signal });
      const rowOf = ids ? new Map(Array.from(ids, (id, i) => [id, i])) : null;
      const matching = matchingCodes(data, index.toData(), rowOf ? (id) => rowOf.get(id)! : (id) => id);
      if (matching < MIN_MATCHING_CODES) {
        throw new InputError(`--base ${base.join(' ')}: only ${(100 * matching).toFixed(1)}% of its vectors encode as the index ${indexPath} stores them ` +
          `(id by id); the base is not the vectors the index holds${ids ? ' with the ids of --ids' : ', the i-th with id i (give --ids if the ids differ)'}`);
      }
      const tD = now();
      const report = await index.distill({ ...dOpts, base: x, ...(ids ? { ids } : {}), ...(tq ? { queries: tq } : {}), seed, onProgress, signal });
      printDistillOutcome(report);
      const distillS = (now() - tD) / 1000;
      throwIfAborted(signal, 'distill');
      if (faissOut) await saveFaissIndex(out, index.toData(), { nprobe: nprobe ?? 1 });
      else await index.save(out);
      return {
        command: 'distill', index: indexPath, out, format: faissOut ? 'faiss' : 'dvq', n, dim: data.dim, lists: data.nlist,
        m: data.m, bits: data.bits, metric: data.metric, start: report.start, startDescription: describeStart(report),
        codesMatching: matching, improved: report.improved, distillSeconds: distillS, totalSeconds: (now() - t0) / 1000,
        adapter: engine.adapterName, distillInfo: report as unknown as Result,
      };
    } finally {
      index.dispose();
    }
  });
}

/** The ids of --ids: n int32 values (one column, or one row), distinct and non-negative. */
async function readIds(path: string, n: number): Promise<Int32Array> {
  const v = await readIntVectors(path);
  if (v.n * v.dim !== n || (v.dim !== 1 && v.n !== 1)) {
    throw new InputError(`--ids ${path}: ${v.n} x ${v.dim} values; expected one id per base vector (${n} x 1)`);
  }
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) {
    const id = v.data[i]!;
    if (id < 0) throw new InputError(`--ids ${path}: id ${id} of base vector ${i} is negative`);
    if (seen.has(id)) throw new InputError(`--ids ${path}: id ${id} is given twice (base vector ${i} and an earlier one)`);
    seen.add(id);
  }
  return v.data;
}

/** The index's ids must be exactly the base's: 0..n-1, or those of --ids (n distinct ids on both sides). */
function checkIdsMatch(data: IvfPqData, ids: Int32Array | undefined, indexPath: string, idsPath: string | undefined): void {
  const n = data.ids.length;
  const given = ids ? new Set(ids) : null;
  const seen = new Set<number>();
  for (let p = 0; p < n; p++) {
    const id = data.ids[p]!;
    if (given ? !given.has(id) : id >= n) {
      throw new InputError(`--index ${indexPath}: holds id ${id}, which ${idsPath !== undefined ? `--ids ${idsPath} does not give` : `is not in 0..${n - 1}`}; ` +
        (idsPath !== undefined ? 'the index must hold exactly the ids of --ids' : 'the i-th --base vector is taken as the one with id i (give --ids F with the id of each base vector)'));
    }
    if (seen.has(id)) throw new InputError(`--index ${indexPath}: holds id ${id} twice; each base vector must have one id`);
    seen.add(id);
  }
}

/** The fraction of vectors whose list and code in `b` are those in `a`, matched by id (`row` maps an id to its
 *  base row; both hold the same n distinct ids). */
function matchingCodes(a: IvfPqData, b: IvfPqData, row: (id: number) => number): number {
  const n = a.ids.length, cs = a.codes.length / Math.max(1, n);
  const listA = new Int32Array(n), posA = new Int32Array(n);
  for (let l = 0; l < a.nlist; l++) {
    for (let p = a.listOffsets[l]!; p < a.listOffsets[l + 1]!; p++) { const i = row(a.ids[p]!); listA[i] = l; posA[i] = p; }
  }
  let same = 0;
  for (let l = 0; l < b.nlist; l++) {
    for (let p = b.listOffsets[l]!; p < b.listOffsets[l + 1]!; p++) {
      const i = row(b.ids[p]!);
      if (listA[i] !== l) continue;
      let eq = true;
      for (let j = 0, pa = posA[i]! * cs, pb = p * cs; j < cs && eq; j++) eq = a.codes[pa + j] === b.codes[pb + j];
      if (eq) same++;
    }
  }
  return same / Math.max(1, n);
}
