// `distill-vq search` over several --index files (shards filled from copies of one trained index): every shard is
// searched in turn, one on the GPU at a time, and the per-shard top-k lists are merged (mergeShardResults) into
// what searching the merged index (`distill-vq merge`) gives. The shards are read and checked (same quantizers, k
// within their total size) before the GPU; their ids are not checked for overlaps (merge does that).
import { IvfPqIndex } from '../api/ivfpq-index.js';
import { readIndexData } from '../io/index-file.js';
import { ntotal, type IvfPqData } from '../io/ivfpq-data.js';
import { quantizerDifference } from '../io/merge.js';
import { readVectors, writeIvecs } from '../io/vectors-node.js';
import { checkSearchOptions } from '../index/validate.js';
import { listOfData, mergeShardResults } from '../index/shard-search.js';
import type { SearchResult } from '../index/search.js';
import { throwIfAborted } from '../util/abort.js';
import { InputError } from '../util/errors.js';
import { now } from '../util/progress.js';
import type { Args } from './args.js';
import { checkAsUsage, files, progressPrinter, withEngine, type Result } from './command-kit.js';
import { checkFiles } from './files.js';

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
  const shards: IvfPqData[] = [];
  for (const path of paths) {
    throwIfAborted(signal, 'search');
    const d = await readIndexData(path, { signal });
    const diff = shards.length ? quantizerDifference(shards[0]!, d) : null;
    if (diff !== null) throw new InputError(`--index ${path} was trained with other quantizers than ${paths[0]}: it has ${diff}`);
    shards.push(d);
  }
  const first = shards[0]!, total = shards.reduce((s, d) => s + ntotal(d), 0);
  if (total === 0) throw new InputError(`the --index files hold no vectors (add vectors first)`);
  if (k > total) throw new InputError(`--k ${k} is larger than the ${total} vectors in the --index files`);
  if (nprobe > first.nlist) throw new InputError(`--nprobe ${nprobe} is larger than the number of lists (${first.nlist})`);
  const q = await readVectors(queries, { dim: first.dim });
  const searched = shards.filter((d) => ntotal(d) > 0);
  const t0 = now();
  const results: SearchResult[] = [];
  await withEngine({}, async (engine) => {
    for (let s = 0; s < searched.length; s++) {
      throwIfAborted(signal, 'search');
      const index = IvfPqIndex.fromData(engine, searched[s]!);
      try {
        results.push(await index.search(q.data, { k: Math.min(k, ntotal(searched[s]!)), nprobe, signal, onProgress: progressPrinter(quiet) }));
      } finally {
        index.dispose();
      }
      searched[s] = { ...searched[s]!, codes: new Uint8Array(0) }; // only the ids and list offsets are needed now
    }
  });
  const r = mergeShardResults(results, k, first.metric, listOfData(searched.map((d) => () => d)));
  const seconds = (now() - t0) / 1000;
  throwIfAborted(signal, 'search');
  await writeIvecs(out, r.ids, k);
  return { command: 'search', out, shards: paths.length, ntotal: total, nq: q.n, k, nprobe, seconds, qps: q.n / seconds };
}
