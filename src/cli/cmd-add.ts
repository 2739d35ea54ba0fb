// `distill-vq add`: encodes a file of vectors with a trained index's quantizers and appends them to a copy of it,
// with ids N, N+1, ... (--id-offset N; default: the index's size). The shard step of docs/scale.md: copies of one
// trained index, each given its own vectors and id range, merge (`distill-vq merge`) into one index. Everything
// that cannot run (a dimension that differs, ids past 2^31-1 or already in the index) is refused before the GPU.
import { IvfPqIndex } from '../api/ivfpq-index.js';
import { readIndexData } from '../io/index-file.js';
import { INDEX_LIMITS, ntotal } from '../io/ivfpq-data.js';
import { vectorSetShape } from '../io/vectors-node.js';
import { MAX_DIM } from '../io/vectors.js';
import { throwIfAborted } from '../util/abort.js';
import { InputError } from '../util/errors.js';
import { now } from '../util/progress.js';
import type { Args } from './args.js';
import { addInChunks, files, progressPrinter, withEngine, type Result } from './command.js';
import { checkFiles } from './files.js';

const MAX_ID = INDEX_LIMITS.maxNtotal; // 2^31 - 1, the largest id (ids are non-negative int32)

export async function cmdAdd(a: Args, signal: AbortSignal): Promise<Result> {
  const indexPath = a.req('index');
  const base = a.list('base', true);
  const dimArg = a.optInt('dim', { min: 1, max: MAX_DIM });
  const offsetArg = a.optInt('id-offset', { min: 0, max: MAX_ID });
  const out = a.req('out');
  const quiet = a.flag('quiet');
  a.done();
  await checkFiles([{ flag: 'index', path: indexPath }, ...files('base', base)], { flag: 'out', path: out });
  const data = await readIndexData(indexPath, { signal });
  const shape = await vectorSetShape(base, dimArg !== undefined ? { dim: dimArg } : {});
  if (shape.dim !== data.dim) throw new InputError(`--base ${base.join(' ')} has dimension ${shape.dim} but the index ${indexPath} has ${data.dim}`);
  if (shape.n === 0) throw new InputError(`--base ${base.join(' ')}: no vectors to add`);
  const held = ntotal(data), n = shape.n;
  const offset = offsetArg ?? held;
  if (offset + n - 1 > MAX_ID) {
    throw new InputError(`--id-offset ${offset} with ${n} vectors would give ids up to ${offset + n - 1}, past the largest id ${MAX_ID} (2^31-1)`);
  }
  if (held + n > INDEX_LIMITS.maxNtotal) throw new InputError(`the index ${indexPath} holds ${held} vectors; ${n} more would pass the limit of ${INDEX_LIMITS.maxNtotal}`);
  const clash = data.ids.find((id) => id >= offset && id < offset + n);
  if (clash !== undefined) {
    throw new InputError(`the index ${indexPath} already holds id ${clash}, inside the new ids ${offset}..${offset + n - 1}; choose another --id-offset`);
  }
  const t0 = now();
  return withEngine({}, async (engine) => {
    const index = IvfPqIndex.fromData(engine, data);
    try {
      const tAdd = now();
      await addInChunks(index, base, data.dim, n, offset, progressPrinter(quiet), signal); // one chunk held at a time
      const addS = (now() - tAdd) / 1000;
      throwIfAborted(signal, 'add');
      await index.save(out);
      return {
        command: 'add', out, added: n, firstId: offset, lastId: offset + n - 1, ntotal: index.ntotal,
        addSeconds: addS, totalSeconds: (now() - t0) / 1000, adapter: engine.adapterName,
      };
    } finally {
      index.dispose();
    }
  });
}
