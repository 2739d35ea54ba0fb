// The distill-vq command line: train, search, eval, bench, export/import Faiss. Progress goes to stderr,
// results (with --json) to stdout as one JSON object. Each command first reads and checks every option (a bad one
// is a UsageError, exit 2), then checks its files (inputs are regular files, the output is none of them), and only
// then reads data or makes a GPU engine, which is disposed on every path. Exit codes: EXIT below.
import { createEngine } from '../node/create.js';
import { IvfPqIndex } from '../api/ivfpq-index.js';
import { DISTILL_DEFAULTS, checkDistillOptions } from '../training/distill/options.js';
import { readVectors, readIntVectors, writeIvecs } from '../io/vectors-node.js';
import { checkIndexOptions, checkSearchOptions } from '../index/validate.js';
import { formatProgress, now, ProgressMeter, type Progress } from '../util/progress.js';
import { Args, parseArgs } from './args.js';
import { recallAtK } from '../index/metrics.js';
import { readIndexData, writeIndexData } from '../io/index-file.js';
import { saveFaissIndex, loadFaissIndex } from '../io/faiss-file.js';
import type { DistillLoss, DistillOptions } from '../training/distill/options.js';
import { vectorSetShape } from '../io/vectors-node.js';
import { vectorChunks, sampleVectors } from '../io/vector-stream.js';
import { trainSampleSize } from '../index/train.js';
import { MAX_DIM } from '../io/vectors.js';
import type { Engine, EngineOptions } from '../pipeline/engine.js';
import { throwIfAborted } from '../util/abort.js';
import { InputError, UsageError } from '../util/errors.js';
import { checkFiles, type FileArg } from './files.js';

const USAGE = `distill-vq: IVF+PQ vector indexes trained on WebGPU (k-means or Distill-VQ)

  distill-vq train  --base F... --lists L --m M [--bits 8|4] [--metric ip|l2] [--opq]
                    [--distill [--train-queries F...] [--loss listnet|kl|mse|margin-mse|ranknet]
                     [--epochs N] [--batch B] [--topk K] [--no-inbatch] [--temperature T]
                     [--lr-codebooks R] [--lr-centroids R] [--assign-temperature T] [--pseudo-queries N]]
                    [--seed S] [--dim D] [--quiet] --out INDEX.dvq [--json]
  distill-vq search --index INDEX --queries F --k K --nprobe P --out IDS.ivecs [--quiet] [--json]
  distill-vq eval   --index INDEX --queries F --gt GT.ivecs --nprobe P [--k 100] [--quiet] [--json]
  distill-vq export-faiss --index INDEX --out FILE.faissindex [--nprobe P] [--json]
  distill-vq import-faiss --in FILE.faissindex --out INDEX.dvq [--json]
  distill-vq bench kernels [--quick] [--out FILE.json] [--quiet] [--json]
  distill-vq info   --index INDEX [--json]

Vector files: .fvecs, .bvecs, .npy (float32), .fbin, .f32 (raw, needs --dim); ground truth: .ivecs, .ibin, .i32.
Several files after one flag are concatenated in order. An output may not be one of the inputs.
train holds only its training sample of --base (at most 256 x max(lists, 2^bits) rows, those train() samples)
and adds the base in chunks; with --distill the whole base is held in memory.
Exit codes: 0 success, 1 error (input, file, GPU), 2 usage error, 130 cancelled by Ctrl-C.`;

/** The command line's exit codes (README, "Command line"). */
export const EXIT = { ok: 0, error: 1, usage: 2, cancelled: 130 } as const;

type Result = Record<string, unknown>;

function progressPrinter(quiet: boolean): (p: Progress) => void {
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
async function withEngine<T>(opts: EngineOptions, work: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await createEngine(opts);
  try {
    return await work(engine);
  } finally {
    engine.dispose();
  }
}

const files = (flag: string, paths: string[]): FileArg[] => paths.map((path) => ({ flag, path }));

// Every loss distill() knows; a Record so the compiler flags a loss added to the library but missing here.
const LOSS_NAMES: Record<DistillLoss, true> = { 'listnet': true, 'kl': true, 'mse': true, 'margin-mse': true, 'ranknet': true };
const LOSSES = Object.keys(LOSS_NAMES) as DistillLoss[];
const DISTILL_FLAGS = ['train-queries', 'loss', 'epochs', 'batch', 'topk', 'no-inbatch', 'temperature',
  'lr-codebooks', 'lr-centroids', 'assign-temperature', 'pseudo-queries'];

/** The flag that sets each library option, so the library's checks name what the user typed. */
const FLAG_OF: Record<string, string> = {
  nlist: 'lists', batchSize: 'batch', topK: 'topk', lrCodebooks: 'lr-codebooks', lrCentroids: 'lr-centroids',
  assignTemperature: 'assign-temperature', pseudoQueries: 'pseudo-queries', inBatch: 'no-inbatch',
};
const flagName = (option: string): string => `--${FLAG_OF[option] ?? option}`;

/** Runs a library check of options (the one rule of each option): its InputError is a usage error (exit 2). */
function checkAsUsage(check: () => void): void {
  try {
    check();
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
}

/**
 * The Distill-VQ options of `train`, each read as its type; checkDistillOptions checks their values. Flags left
 * out take DISTILL_DEFAULTS or, for the tuning ones, the library's defaults. Without --distill every one of them
 * is refused (it would do nothing).
 */
function distillOptions(a: Args, on: boolean): Omit<DistillOptions, 'base' | 'queries'> {
  if (!on) {
    const stray = DISTILL_FLAGS.filter((f) => a.given(f));
    if (stray.length) throw new UsageError(`${stray.map((f) => `--${f}`).join(', ')} only ${stray.length === 1 ? 'applies' : 'apply'} with --distill`);
    return {};
  }
  const opts: Omit<DistillOptions, 'base' | 'queries'> = {
    loss: a.choice('loss', LOSSES, DISTILL_DEFAULTS.loss),
    epochs: a.int('epochs', {}, DISTILL_DEFAULTS.epochs),
    batchSize: a.int('batch', {}, DISTILL_DEFAULTS.batchSize),
    topK: a.int('topk', {}, DISTILL_DEFAULTS.topK),
    inBatch: !a.flag('no-inbatch'),
  };
  const tuning = {
    temperature: a.optNum('temperature'), // default: the library's, which depends on the metric
    lrCodebooks: a.optNum('lr-codebooks'), lrCentroids: a.optNum('lr-centroids'),
    assignTemperature: a.optNum('assign-temperature'), pseudoQueries: a.optInt('pseudo-queries'),
  };
  for (const [k, v] of Object.entries(tuning)) if (v !== undefined) Object.assign(opts, { [k]: v });
  checkAsUsage(() => checkDistillOptions(opts, flagName));
  return opts;
}

async function cmdTrain(a: Args, signal: AbortSignal): Promise<Result> {
  const base = a.list('base', true);
  const nlist = a.int('lists');
  const m = a.int('m');
  const bits = Number(a.choice('bits', ['8', '4'], '8')) as 8 | 4;
  const metric = a.choice('metric', ['ip', 'l2'], 'ip');
  checkAsUsage(() => checkIndexOptions({ nlist, m, bits, metric }, flagName));
  const dim = a.optInt('dim', { min: 1, max: MAX_DIM });
  const seed = a.int('seed', { min: 0, max: 2 ** 32 - 1 }, 1234);
  const opq = a.flag('opq');
  const distill = a.flag('distill');
  const trainQueries = a.list('train-queries');
  const dOpts = distillOptions(a, distill);
  const out = a.req('out');
  const quiet = a.flag('quiet');
  a.done();
  await checkFiles([...files('base', base), ...files('train-queries', trainQueries)], { flag: 'out', path: out });
  // the headers say the shape; a bad or empty file, or an m that does not divide its dim, fails here, before the
  // GPU or a long read
  const shape = await vectorSetShape(base, dim !== undefined ? { dim } : {});
  if (shape.n === 0) throw new InputError(`--base ${base.join(' ')}: no vectors to train on`);
  checkIndexOptions({ dim: shape.dim, nlist, m, bits, metric }, flagName);
  if (trainQueries.length) await vectorSetShape(trainQueries, { dim: shape.dim });
  const onProgress = progressPrinter(quiet);
  const t0 = now();
  return withEngine({}, async (engine) => {
    const index = new IvfPqIndex(engine, { dim: shape.dim, nlist, m, bits, metric });
    const { n, dim: d } = shape;
    // Without --distill only train()'s own sample is held (the same rows, so the same index) and the base is
    // added chunk by chunk; Distill-VQ needs the whole base on the host.
    const trainRows = trainSampleSize(n, nlist, 2 ** bits, d, engine.maxBinding);
    const whole = distill || trainRows === n ? (await readVectors(base, { dim: d })).data : null;
    let sample: Float32Array | null = whole ?? (await sampleVectors(base, trainRows, seed, { dim: d, signal })).data;
    const tTrain = now();
    await index.train(sample, { seed, opq, onProgress, signal });
    sample = null; // the chunks below need no sample
    const trainS = (now() - tTrain) / 1000;
    const tAdd = now();
    if (whole) await index.add(whole, undefined, { onProgress, signal });
    else await addInChunks(index, base, d, n, onProgress, signal);
    const addS = (now() - tAdd) / 1000;
    let distillS = 0;
    let distillInfo: Result | undefined;
    if (distill) {
      const tq = trainQueries.length ? (await readVectors(trainQueries, { dim: d })).data : undefined;
      const tD = now();
      const report = await index.distill({ ...dOpts, base: whole!, ...(tq ? { queries: tq } : {}), seed, onProgress, signal });
      // the outcome is printed whatever --quiet says: a run that gained nothing must not pass unnoticed
      process.stderr.write(`[distill-vq] distill: ${report.message}\n`);
      distillInfo = report as unknown as Result;
      distillS = (now() - tD) / 1000;
    }
    throwIfAborted(signal, 'train');
    await index.save(out);
    const summary = {
      command: 'train', out, n, dim: d, lists: nlist, m, bits, metric, opq, distill, trainRows, streamed: whole === null,
      bytesPerVector: index.bytesPerVector, trainSeconds: trainS, addSeconds: addS, distillSeconds: distillS,
      totalSeconds: (now() - t0) / 1000, adapter: engine.adapterName, ...(distillInfo ? { distillInfo } : {}),
    };
    index.dispose();
    return summary;
  });
}

/** Adds the n vectors of `paths` to a trained index one chunk at a time, with ids 0..n-1 in file order. */
async function addInChunks(index: IvfPqIndex, paths: string[], dim: number, n: number, onProgress: (p: Progress) => void, signal: AbortSignal): Promise<void> {
  const meter = new ProgressMeter('add', n, onProgress);
  for await (const c of vectorChunks(paths, { dim, signal })) {
    const ids = new Int32Array(c.n);
    for (let i = 0; i < c.n; i++) ids[i] = c.firstRow + i;
    await index.add(c.data, ids, { signal });
    meter.report(c.firstRow + c.n);
  }
}

/**
 * Searches the queries of `paths` one chunk at a time (only a chunk of queries and the result ids are held), after
 * a warm-up search of the first queries (pipelines compiled, lists uploaded) that is not timed.
 */
async function searchInChunks(
  index: IvfPqIndex, paths: string[], k: number, nprobe: number, signal: AbortSignal, onProgress: (p: Progress) => void,
): Promise<{ ids: Int32Array; nq: number; seconds: number }> {
  const { n: nq } = await vectorSetShape(paths, { dim: index.dim });
  if (nq === 0) throw new InputError(`--queries ${paths.join(' ')}: no queries`);
  const ids = new Int32Array(nq * k);
  const meter = new ProgressMeter('search', nq, onProgress);
  let seconds = 0;
  for await (const c of vectorChunks(paths, { dim: index.dim, signal })) {
    if (c.firstRow === 0) await index.search(c.data.subarray(0, Math.min(c.n, 16) * index.dim), { k, nprobe, signal });
    const t0 = now();
    const r = await index.search(c.data, { k, nprobe, signal });
    seconds += (now() - t0) / 1000;
    ids.set(r.ids, c.firstRow * k);
    meter.report(c.firstRow + c.n);
  }
  return { ids, nq, seconds };
}

async function cmdSearch(a: Args, signal: AbortSignal): Promise<Result> {
  const indexPath = a.req('index');
  const queries = a.list('queries', true);
  const k = a.int('k');
  const nprobe = a.int('nprobe');
  checkAsUsage(() => checkSearchOptions({ k, nprobe }, flagName));
  const out = a.req('out');
  const quiet = a.flag('quiet');
  a.done();
  await checkFiles([{ flag: 'index', path: indexPath }, ...files('queries', queries)], { flag: 'out', path: out });
  return withEngine({}, async (engine) => {
    const index = await IvfPqIndex.load(engine, indexPath, { signal });
    try {
      const r = await searchInChunks(index, queries, k, nprobe, signal, progressPrinter(quiet));
      throwIfAborted(signal, 'search');
      await writeIvecs(out, r.ids, k);
      return { command: 'search', out, nq: r.nq, k, nprobe, seconds: r.seconds, qps: r.nq / r.seconds, adapter: engine.adapterName };
    } finally {
      index.dispose();
    }
  });
}

async function cmdEval(a: Args, signal: AbortSignal): Promise<Result> {
  const indexPath = a.req('index');
  const queries = a.list('queries', true);
  const gtPath = a.list('gt', true);
  const nprobe = a.int('nprobe');
  const kArg = a.int('k', {}, 100);
  checkAsUsage(() => checkSearchOptions({ k: kArg, nprobe }, flagName));
  const quiet = a.flag('quiet');
  a.done();
  await checkFiles([{ flag: 'index', path: indexPath }, ...files('queries', queries), ...files('gt', gtPath)]);
  return withEngine({}, async (engine) => {
    const index = await IvfPqIndex.load(engine, indexPath, { signal });
    try {
      const { n: nq } = await vectorSetShape(queries, { dim: index.dim });
      const gt = await readIntVectors(gtPath);
      if (gt.n !== nq) throw new InputError(`--gt has ${gt.n} ground-truth rows for ${nq} queries`);
      const k = Math.min(kArg, gt.dim, index.ntotal);
      const r = await searchInChunks(index, queries, k, nprobe, signal, progressPrinter(quiet));
      const out: Result = { command: 'eval', nq, nprobe, k };
      for (const kk of [1, 10, 100]) if (kk <= k) out[`recall@${kk}`] = recallAtK(r.ids, k, gt.data, gt.dim, nq, kk);
      Object.assign(out, { seconds: r.seconds, qps: nq / r.seconds, bytesPerVector: index.bytesPerVector, adapter: engine.adapterName });
      return out;
    } finally {
      index.dispose();
    }
  });
}

async function cmdInfo(a: Args, signal: AbortSignal): Promise<Result> {
  const indexPath = a.req('index');
  a.done();
  await checkFiles([{ flag: 'index', path: indexPath }]);
  return withEngine({}, async (engine) => {
    const index = await IvfPqIndex.load(engine, indexPath, { signal });
    const sizes = index.listSizes();
    const info = {
      command: 'info', dim: index.dim, lists: index.nlist, m: index.m, bits: index.bits, metric: index.metric,
      ntotal: index.ntotal, rotation: index.toData().rotation !== null, bytesPerVector: index.bytesPerVector,
      largestList: Math.max(...sizes), emptyLists: sizes.filter((s) => s === 0).length,
    };
    index.dispose();
    return info;
  });
}

async function cmdExportFaiss(a: Args, signal: AbortSignal): Promise<Result> {
  const indexPath = a.req('index');
  const out = a.req('out');
  const nprobe = a.int('nprobe', { min: 1 }, 1);
  a.done();
  await checkFiles([{ flag: 'index', path: indexPath }], { flag: 'out', path: out });
  const data = await readIndexData(indexPath, { signal });
  throwIfAborted(signal, 'export-faiss');
  await saveFaissIndex(out, data, { nprobe });
  return { command: 'export-faiss', out, ntotal: data.listOffsets[data.nlist], rotation: data.rotation !== null };
}

async function cmdImportFaiss(a: Args, signal: AbortSignal): Promise<Result> {
  const input = a.req('in');
  const out = a.req('out');
  a.done();
  await checkFiles([{ flag: 'in', path: input }], { flag: 'out', path: out });
  const data = await loadFaissIndex(input, { signal });
  throwIfAborted(signal, 'import-faiss');
  await writeIndexData(out, data);
  return { command: 'import-faiss', out, ntotal: data.listOffsets[data.nlist], dim: data.dim, lists: data.nlist, m: data.m };
}

async function cmdBench(a: Args, signal: AbortSignal): Promise<Result> {
  const which = a.positional[0];
  if (which !== 'kernels') throw new UsageError(`unknown benchmark '${which ?? ''}' (try: bench kernels)`);
  const quick = a.flag('quick');
  const outPath = a.str('out');
  const quiet = a.flag('quiet');
  a.done();
  if (outPath !== undefined) await checkFiles([], { flag: 'out', path: outPath });
  const { benchKernels } = await import('../bench/kernels.js');
  const os = await import('node:os');
  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()} ${os.arch()}`;
  const result = await withEngine({ profile: true }, (engine) => benchKernels(engine, { quick, signal, onProgress: progressPrinter(quiet), machine, loadAverage: () => os.loadavg() }));
  if (!quiet) process.stderr.write(result.table + '\n');
  if (outPath !== undefined) {
    const { writeFileAtomic } = await import('../io/vectors-node.js');
    await writeFileAtomic(outPath, new TextEncoder().encode(JSON.stringify(result.json, null, 2) + '\n'));
  }
  return result.json as unknown as Result;
}

const COMMANDS: Record<string, { run: (a: Args, signal: AbortSignal) => Promise<Result>; operands?: number }> = {
  'train': { run: cmdTrain }, 'search': { run: cmdSearch }, 'eval': { run: cmdEval }, 'info': { run: cmdInfo },
  'export-faiss': { run: cmdExportFaiss }, 'import-faiss': { run: cmdImportFaiss }, 'bench': { run: cmdBench, operands: 1 },
};

function summaryLine(result: Result): string {
  return Object.entries(result).filter(([, v]) => typeof v !== 'object')
    .map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : v}`).join(' ');
}

/**
 * Runs one command line and returns its exit code (EXIT); it never throws. Ctrl-C (SIGINT) cancels the running
 * command (exit 130, nothing written); a second Ctrl-C ends the process at once.
 */
export async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  const [command, ...operands] = parsed.positional;
  if (command === 'help' || parsed.flags.has('help')) {
    process.stdout.write(USAGE + '\n');
    return EXIT.ok;
  }
  if (!command) {
    process.stderr.write(`distill-vq: no command given\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  const controller = new AbortController();
  const onSigint = () => {
    process.stderr.write('[distill-vq] cancelling... (Ctrl-C again to stop at once)\n');
    controller.abort();
  };
  process.once('SIGINT', onSigint);
  try {
    const cmd = Object.hasOwn(COMMANDS, command) ? COMMANDS[command]! : null;
    if (!cmd) throw new UsageError(`unknown command '${command}' (commands: ${Object.keys(COMMANDS).join(', ')}; try: distill-vq help)`);
    const a = new Args({ positional: operands, flags: parsed.flags }, cmd.operands ?? 0);
    const json = a.flag('json');
    const result = await cmd.run(a, controller.signal);
    if (json) process.stdout.write(JSON.stringify(result) + '\n');
    else process.stderr.write(`[distill-vq] ${summaryLine(result)}\n`);
    return EXIT.ok;
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    if (controller.signal.aborted) {
      process.stderr.write(`distill-vq ${command}: cancelled\n`);
      return EXIT.cancelled;
    }
    process.stderr.write(`distill-vq ${command}: ${err.message}\n`);
    if (err instanceof UsageError) return EXIT.usage;
    return EXIT.error;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
