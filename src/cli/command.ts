// What the commands of the command line share: the result type, the progress printer, the engine's lifetime, file
// arguments, and the names of the flags that set library options (so a library check names what the user typed).
import { createEngine } from '../node/create.js';
import type { Engine, EngineOptions } from '../pipeline/engine.js';
import { formatProgress, now, ProgressMeter, type Progress } from '../util/progress.js';
import { InputError, UsageError } from '../util/errors.js';
import type { FileArg } from './files.js';
import type { IvfPqIndex } from '../api/ivfpq-index.js';
import { vectorChunks } from '../io/vector-stream.js';

/** What a command returns: printed as one JSON object with --json, else as a `key=value` summary line. */
export type Result = Record<string, unknown>;

/** Progress lines on stderr, at most two a second (and the last one), none when `quiet`. */
export function progressPrinter(quiet: boolean): (p: Progress) => void {
  let last = 0;
  return (p) => {
    if (quiet) return;
    const t = now();
    if (t - last < 500 && p.done < p.total) return;
    last = t;
    process.stderr.write(`[distill-vq] ${formatProgress(p)}\n`);
  };
}

/** Runs `work` with a new engine that is disposed however `work` ends. */
export async function withEngine<T>(opts: EngineOptions, work: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await createEngine(opts);
  try {
    return await work(engine);
  } finally {
    engine.dispose();
  }
}

/** The file arguments given after one flag. */
export const files = (flag: string, paths: readonly string[]): FileArg[] => paths.map((path) => ({ flag, path }));

/** The flag that sets each library option, so the library's checks name what the user typed. */
const FLAG_OF: Record<string, string> = {
  nlist: 'lists', batchSize: 'batch', topK: 'topk', lrCodebooks: 'lr-codebooks', lrCentroids: 'lr-centroids',
  assignTemperature: 'assign-temperature', pseudoQueries: 'pseudo-queries', inBatch: 'no-inbatch',
  refineFactor: 'refine-factor', learnRotation: 'learn-rotation', lrRotation: 'lr-rotation',
};
export const flagName = (option: string): string => `--${FLAG_OF[option] ?? option}`;

/** Runs a library check of options (the one rule of each option): its InputError is a usage error (exit 2). */
export function checkAsUsage(check: () => void): void {
  try {
    check();
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
}

/** Adds the n vectors of `paths` to a trained index one chunk at a time (only a chunk is held), with ids
 *  idOffset, idOffset + 1, ... in file order. */
export async function addInChunks(index: IvfPqIndex, paths: string[], dim: number, n: number, idOffset: number,
  onProgress: (p: Progress) => void, signal: AbortSignal): Promise<void> {
  const meter = new ProgressMeter('add', n, onProgress);
  for await (const c of vectorChunks(paths, { dim, signal })) {
    const ids = new Int32Array(c.n);
    for (let i = 0; i < c.n; i++) ids[i] = idOffset + c.firstRow + i;
    await index.add(c.data, ids, { signal });
    meter.report(c.firstRow + c.n);
  }
}
