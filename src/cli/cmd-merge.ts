// `distill-vq merge`: merges index files that were filled from copies of one trained index (`distill-vq add`) into
// one .dvq file, on the CPU (mergeIvfPq: list l holds each input's list l in the order the inputs are given).
// The .dvq headers are read first, so shards of other shapes or too many vectors together are refused before any
// index is read whole; differing quantizers and ids held by two inputs are refused before anything is written.
import { DVQ_HEADER_BYTES, DVQ_MAGIC, parseDvqHeader, dvqFail, type DvqHeader } from '../io/dvq-format.js';
import { readIndexData, writeIndexData } from '../io/index-file.js';
import { openRegularFile } from '../io/file-source.js';
import { INDEX_LIMITS, ntotal, type IvfPqData } from '../io/ivfpq-data.js';
import { mergeIvfPq } from '../io/merge.js';
import { throwIfAborted } from '../util/abort.js';
import { InputError, fileError } from '../util/errors.js';
import { now, ProgressMeter } from '../util/progress.js';
import type { Args } from './args.js';
import { files, progressPrinter, type Result } from './command.js';
import { checkFiles } from './files.js';

/** The header of a .dvq file, or null for another kind of file (a Faiss index is read whole later). */
async function dvqHeaderOf(path: string): Promise<DvqHeader | null> {
  const { fh } = await openRegularFile(path);
  try {
    const head = new Uint8Array(DVQ_HEADER_BYTES);
    let bytesRead: number;
    try {
      ({ bytesRead } = await fh.read(head, 0, DVQ_HEADER_BYTES, 0));
    } catch (e) {
      throw fileError(e, path, 'read --index');
    }
    if (bytesRead < 4 || String.fromCharCode(...head.subarray(0, 4)) !== DVQ_MAGIC) return null;
    return parseDvqHeader(head.subarray(0, bytesRead), dvqFail(path));
  } finally {
    await fh.close();
  }
}

/** Refuses, from the headers alone, shards whose shapes differ from the first one's or whose sizes add up past the limit. */
function checkHeaders(paths: readonly string[], heads: readonly (DvqHeader | null)[]): void {
  const known = heads.map((h, i) => ({ h, path: paths[i]! })).filter((x): x is { h: DvqHeader; path: string } => x.h !== null);
  const first = known[0];
  let total = 0;
  for (const { h, path } of known) {
    for (const k of ['metric', 'dim', 'nlist', 'm', 'bits', 'hasRotation'] as const) {
      if (h[k] !== first!.h[k]) throw new InputError(`--index ${path} has ${k} ${h[k]} but ${first!.path} has ${first!.h[k]}: only shards added to copies of one trained index can be merged`);
    }
    total += h.ntotal;
  }
  if (total > INDEX_LIMITS.maxNtotal) throw new InputError(`the shards hold ${total} vectors together, over the limit of ${INDEX_LIMITS.maxNtotal} in one index; merge fewer of them`);
}

export async function cmdMerge(a: Args, signal: AbortSignal): Promise<Result> {
  const inputs = a.list('index', true);
  const out = a.req('out');
  const quiet = a.flag('quiet');
  a.done();
  await checkFiles(files('index', inputs), { flag: 'out', path: out });
  const t0 = now();
  checkHeaders(inputs, await Promise.all(inputs.map(dvqHeaderOf)));
  const meter = new ProgressMeter('merge: read shards', inputs.length, progressPrinter(quiet));
  const datas: IvfPqData[] = [];
  for (const path of inputs) {
    throwIfAborted(signal, 'merge');
    datas.push(await readIndexData(path, { signal }));
    meter.report(datas.length);
  }
  const merged = mergeIvfPq(datas, { names: inputs });
  throwIfAborted(signal, 'merge');
  await writeIndexData(out, merged);
  return { command: 'merge', out, shards: inputs.length, ntotal: ntotal(merged), seconds: (now() - t0) / 1000 };
}
