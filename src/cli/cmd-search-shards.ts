// `distill-vq search` over several --index files (shards filled from copies of one trained index): every shard is
// searched in turn, one on the GPU at a time, and the per-shard top-k lists are merged (mergeShardResults) into
// what searching the merged index (`distill-vq merge`) gives. The shards are read and checked (same quantizers, k
// within their total size) before the GPU, keeping only their ids and list offsets, then read again one at a time
// to be searched. Their ids are not checked for overlaps (merge does that).
import { IvfPqIndex } from '../api/ivfpq-index.js';
import { readIndexData } from '../io/index-file.js';
import type { IvfPqData } from '../io/ivfpq-data.js';
import { quantizerDifference, type Quantizers } from '../io/merge.js';
import { readVectors, writeIvecs } from '../io/vectors-node.js';
import { checkSearchOptions } from '../index/validate.js';
import { listOfData, mergeShardResults } from '../index/shard-search.js';
import type { SearchResult } from '../index/search.js';
import { throwIfAborted } from '../util/abort.js';
import { InputError } from '../util/errors.js';
import { now } from '../util/progress.js';
import type { Args } from './args.js';
import { checkAsUsage, files, progressPrinter, withEngine, type Result } from './command.js';
import { checkFiles } from './files.js';

/** What is kept of a shard between its check and its search. */
type ShardIds = Pick<IvfPqData, 'nlist' | 'listOffsets' | 'ids'> & { path: string };

function checkSame(first: Quantizers, firstPath: string, d: IvfPqData, path: string): void {
  const diff = quantizerDifference(first, d);
  if (diff !== null) throw new InputError(`--index ${path} was trained with other quantizers than ${firstPath}: it has ${diff}`);
}

const sameInts = (a: Int32Array | Uint32Array, b: Int32Array | Uint32Array): boolean =>
  a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

export async function cmdSearchShards(a: Args, signal: AbortSignal): Promise<Result> {
  const paths = a.list('index', true);
  const queries = a.list('queries', true);
  const k = a.int('k');
  const nprobe = a.int('nprobe');
  checkAsUsage(() => checkSearchOptions({ k, nprobe }, (o) => `--${o}`));
  const out = a.req('out');
  const quiet = a.flag('quiet');
  a.done();
  await checkFiles([...files('index', paths), ...files('queries', queries)], { flag: 'out', path: out });
  // first pass: every shard checked against the first one's quantizers; only the first's tables and each shard's
  // ids and list offsets are kept (what the merge of the results needs), so RAM never holds all the codes
  let first: Quantizers | null = null;
  const kept: ShardIds[] = [];
  for (const path of paths) {
    throwIfAborted(signal, 'search');
    const d = await readIndexData(path, { signal });
    if (!first) {
      const { metric, dim, nlist, m, bits, rotation, centroids, codebooks } = d;
      first = { metric, dim, nlist, m, bits, rotation, centroids, codebooks };
    }
    checkSame(first, paths[0]!, d, path);
    kept.push({ path, nlist: d.nlist, listOffsets: d.listOffsets, ids: d.ids });
  }
  const total = kept.reduce((s, d) => s + d.ids.length, 0);
  if (total === 0) throw new InputError('the --index files hold no vectors (add vectors first)');
  if (k > total) throw new InputError(`--k ${k} is larger than the ${total} vectors in the --index files`);
  if (nprobe > first!.nlist) throw new InputError(`--nprobe ${nprobe} is larger than the number of lists (${first!.nlist})`);
  const q = await readVectors(queries, { dim: first!.dim });
  const searched = kept.filter((d) => d.ids.length > 0);
  const t0 = now();
  const results: SearchResult[] = [];
  // second pass: one shard at a time on the GPU
  await withEngine({}, async (engine) => {
    for (const shard of searched) {
      throwIfAborted(signal, 'search');
      const d = await readIndexData(shard.path, { signal });
      checkSame(first!, paths[0]!, d, shard.path);
      if (!sameInts(d.ids, shard.ids) || !sameInts(d.listOffsets, shard.listOffsets)) throw new InputError(`--index ${shard.path} changed while it was being searched`);
      const index = IvfPqIndex.fromData(engine, d);
      try {
        results.push(await index.search(q.data, { k: Math.min(k, shard.ids.length), nprobe, signal, onProgress: progressPrinter(quiet) }));
      } finally {
        index.dispose();
      }
    }
  });
  const r = mergeShardResults(results, k, first!.metric, listOfData(searched.map((d) => () => d)));
  const seconds = (now() - t0) / 1000;
  throwIfAborted(signal, 'search');
  await writeIvecs(out, r.ids, k);
  return { command: 'search', out, shards: paths.length, ntotal: total, nq: q.n, k, nprobe, seconds, qps: q.n / seconds };
}
