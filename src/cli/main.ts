// The distill-vq command line: train, distill (cmd-distill.ts), search, eval, bench, export/import Faiss. Progress goes to stderr,
// results (with --json) to stdout as one JSON object. Each command first reads and checks every option (a bad one
// is a UsageError, exit 2), then checks its files (inputs are regular files, the output is none of them), and only
// then reads data or makes a GPU engine, which is disposed on every path. Exit codes: EXIT below.
import { resolve as resolvePath } from 'node:path';
import { IvfPqIndex } from '../api/ivfpq-index.js';
import { DEFAULT_CACHE_BYTES } from '../index/lazy-index.js';
import { readVectors, readIntVectors, writeIvecs } from '../io/vectors-node.js';
import { checkIndexOptions, checkSearchOptions } from '../index/validate.js';
import { formatProgress, now, ProgressMeter, type Progress } from '../util/progress.js';
import { Args, parseArgs } from './args.js';
import { recallAtK } from '../index/metrics.js';
import { readIndexData, writeIndexData } from '../io/index-file.js';
import { saveFaissIndex, loadFaissIndex } from '../io/faiss-file.js';
import { vectorSetShape } from '../io/vectors-node.js';
import { vectorChunks, sampleVectors } from '../io/vector-stream.js';
import { trainSampleSize } from '../index/train.js';
import { MAX_DIM } from '../io/vectors.js';
import type { Engine } from '../pipeline/engine.js';
import { throwIfAborted } from '../util/abort.js';
import { InputError, UsageError } from '../util/errors.js';
import { checkFiles } from './files.js';
import type { RefineKind } from '../quantizers/scalar.js';
import { addInChunks, checkAsUsage, files, flagName, progressPrinter, withEngine, type Result } from './command.js';
import { DISTILL_FLAGS_USAGE, checkDistillSizes, distillFlags, printDistillOutcome, refuseDistillFlags } from './distill-flags.js';
import { DISTILL_USAGE, cmdDistill } from './cmd-distill.js';
import { cmdAdd } from './cmd-add.js';
import { cmdMerge } from './cmd-merge.js';
import { cmdSearchShards } from './cmd-search-shards.js';

const USAGE = `distill-vq: IVF+PQ vector indexes trained on WebGPU (k-means or Distill-VQ)

  distill-vq train  --base F... --lists L --m M [--bits 8|4] [--metric ip|l2] [--opq] [--refine sq8|fp16]
                    [--distill [--no-opq] ${DISTILL_FLAGS_USAGE}]
                    [--seed S] [--dim D] [--no-add] [--quiet] --out INDEX.dvq [--json]
${DISTILL_USAGE}
  distill-vq add    --index TRAINED --base F... [--id-offset N] [--dim D] --out SHARD.dvq [--quiet] [--json]
  distill-vq merge  --index SHARD... --out INDEX.dvq [--quiet] [--json]
  distill-vq search --index INDEX... --queries F --k K --nprobe P [--refine-factor R] [--lazy [--cache-mib N]]
                    --out IDS.ivecs [--quiet] [--json]
  distill-vq eval   --index INDEX --queries F --gt GT.ivecs --nprobe P [--k 100] [--refine-factor R] [--quiet] [--json]
  distill-vq export-faiss --index INDEX --out FILE.faissindex [--nprobe P] [--refine-factor R] [--json]
  distill-vq import-faiss --in FILE.faissindex --out INDEX.dvq [--json]
  distill-vq bench kernels [--quick] [--out FILE.json] [--md FILE.md] [--quiet] [--json]
  distill-vq info   --index INDEX [--json]

Vector files: .fvecs, .bvecs, .npy (float32), .fbin, .f32 (raw, needs --dim); ground truth: .ivecs, .ibin, .i32.
Several files after one flag are concatenated in order. An output may not be one of the inputs.
Shards (docs/scale.md): train --no-add on a sample, add each shard to a copy with its own --id-offset, then merge,
or search several --index files at once (the same results as their merge).
train holds only its training sample of --base (at most 256 x max(lists, 2^bits) rows, those train() samples)
and adds the base in chunks; with --distill the whole base is held in memory.
Exit codes: 0 success, 1 error (input, file, GPU), 2 usage error, 130 cancelled by Ctrl-C.`;

/** The command line's exit codes (README, "Command line"). */
export const EXIT = { ok: 0, error: 1, usage: 2, cancelled: 130 } as const;

async function cmdTrain(a: Args, signal: AbortSignal): Promise<Result> {
  const base = a.list('base', true);
  const nlist = a.int('lists');
  const m = a.int('m');
  const bits = Number(a.choice('bits', ['8', '4'], '8')) as 8 | 4;
  const metric = a.choice('metric', ['ip', 'l2'], 'ip');
  const refine = a.str('refine') as RefineKind | undefined;
  checkAsUsage(() => checkIndexOptions({ nlist, m, bits, metric, refine }, flagName));
  const dim = a.optInt('dim', { min: 1, max: MAX_DIM });
  const seed = a.int('seed', { min: 0, max: 2 ** 32 - 1 }, 1234);
  const opqFlag = a.flag('opq');
  const noAdd = a.flag('no-add');
  const distill = a.flag('distill');
  const noOpq = a.flag('no-opq');
  if (opqFlag && noOpq) throw new UsageError('--opq and --no-opq contradict each other');
  if (noOpq && !distill) throw new UsageError('--no-opq only applies with --distill (without it there is no OPQ unless --opq)');
  // with --distill OPQ is on unless --no-opq: the rotated start distills far better (DISTILL_DEFAULTS)
  const opq = distill ? !noOpq : opqFlag;
  const { opts: dOpts, trainQueries } = distill ? distillFlags(a) : (refuseDistillFlags(a), { opts: {}, trainQueries: [] });
  const out = a.req('out');
  const quiet = a.flag('quiet');
  a.done();
  await checkFiles([...files('base', base), ...files('train-queries', trainQueries)], { flag: 'out', path: out });
  // the headers say the shape; a bad or empty file, or an m that does not divide its dim, fails here, before the
  // GPU or a long read
  const shape = await vectorSetShape(base, dim !== undefined ? { dim } : {});
  if (shape.n === 0) throw new InputError(`--base ${base.join(' ')}: no vectors to train on`);
  checkIndexOptions({ dim: shape.dim, nlist, m, bits, metric }, flagName);
  if (distill) checkDistillSizes(dOpts, shape.n, '--base');
  if (trainQueries.length) await vectorSetShape(trainQueries, { dim: shape.dim });
  const onProgress = progressPrinter(quiet);
  const t0 = now();
  return withEngine({}, async (engine) => {
    const index = new IvfPqIndex(engine, { dim: shape.dim, nlist, m, bits, metric, ...(refine ? { refine } : {}) });
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
    if (!noAdd) {
      if (whole) await index.add(whole, undefined, { onProgress, signal });
      else await addInChunks(index, base, d, n, 0, onProgress, signal);
    }
    const addS = (now() - tAdd) / 1000;
    let distillS = 0;
    let distillInfo: Result | undefined;
    if (distill) {
      const tq = trainQueries.length ? (await readVectors(trainQueries, { dim: d })).data : undefined;
      const tD = now();
      const report = await index.distill({ ...dOpts, base: whole!, ...(tq ? { queries: tq } : {}), seed, onProgress, signal });
      printDistillOutcome(report);
      distillInfo = report as unknown as Result;
      distillS = (now() - tD) / 1000;
    }
    throwIfAborted(signal, 'train');
    if (noAdd) index.reset(); // the quantizers alone: shards are added to copies of it (distill-vq add)
    await index.save(out);
    const summary = {
      command: 'train', out, n, added: index.ntotal, dim: d, lists: nlist, m, bits, metric, opq, distill, refine: refine ?? null,
      trainRows, streamed: whole === null,
      bytesPerVector: index.bytesPerVector, trainSeconds: trainS, addSeconds: addS, distillSeconds: distillS,
      totalSeconds: (now() - t0) / 1000, adapter: engine.adapterName, ...(distillInfo ? { distillInfo } : {}),
    };
    index.dispose();
    return summary;
  });
}

/**
 * Searches the queries of `paths` one chunk at a time (only a chunk of queries and the result ids are held), after
 * a warm-up search of the first queries (pipelines compiled, lists uploaded) that is not timed.
 */
async function searchInChunks(
  index: Pick<IvfPqIndex, 'dim' | 'search'>, paths: string[], k: number, nprobe: number, refineFactor: number | undefined, signal: AbortSignal,
  onProgress: (p: Progress) => void,
): Promise<{ ids: Int32Array; nq: number; seconds: number }> {
  const { n: nq } = await vectorSetShape(paths, { dim: index.dim });
  if (nq === 0) throw new InputError(`--queries ${paths.join(' ')}: no queries`);
  const ids = new Int32Array(nq * k);
  const meter = new ProgressMeter('search', nq, onProgress);
  let seconds = 0;
  for await (const c of vectorChunks(paths, { dim: index.dim, signal })) {
    if (c.firstRow === 0) await index.search(c.data.subarray(0, Math.min(c.n, 16) * index.dim), { k, nprobe, refineFactor, signal });
    const t0 = now();
    const r = await index.search(c.data, { k, nprobe, refineFactor, signal });
    seconds += (now() - t0) / 1000;
    ids.set(r.ids, c.firstRow * k);
    meter.report(c.firstRow + c.n);
  }
  return { ids, nq, seconds };
}

async function cmdSearch(a: Args, signal: AbortSignal): Promise<Result> {
  if (a.list('index').length > 1) return cmdSearchShards(a, signal);
  const indexPath = a.req('index');
  const queries = a.list('queries', true);
  const k = a.int('k');
  const nprobe = a.int('nprobe');
  const refineFactor = a.optInt('refine-factor');
  checkAsUsage(() => checkSearchOptions({ k, nprobe, refineFactor }, flagName));
  const out = a.req('out');
  const quiet = a.flag('quiet');
  // --lazy: IvfPqIndex.open, the probed lists read from the file per chunk of queries through a cache of --cache-mib
  const lazy = a.flag('lazy');
  const cacheMib = a.int('cache-mib', { min: 0, max: 2 ** 30 }, DEFAULT_CACHE_BYTES / 2 ** 20);
  if (a.given('cache-mib') && !lazy) throw new UsageError('--cache-mib needs --lazy');
  a.done();
  await checkFiles([{ flag: 'index', path: indexPath }, ...files('queries', queries)], { flag: 'out', path: out });
  return withEngine({}, async (engine) => {
    const index = lazy ? await IvfPqIndex.open(engine, indexPath, { signal, cacheBytes: cacheMib * 2 ** 20 }) : await IvfPqIndex.load(engine, indexPath, { signal });
    try {
      const r = await searchInChunks(index, queries, k, nprobe, refineFactor, signal, progressPrinter(quiet));
      throwIfAborted(signal, 'search');
      await writeIvecs(out, r.ids, k);
      return {
        command: 'search', out, nq: r.nq, k, nprobe, ...(refineFactor ? { refineFactor } : {}), seconds: r.seconds, qps: r.nq / r.seconds, adapter: engine.adapterName,
        ...('stats' in index ? { lazy: { ...index.stats, cacheMib } } : {}),
      };
    } finally {
      await index.dispose();
    }
  });
}

async function cmdEval(a: Args, signal: AbortSignal): Promise<Result> {
  const indexPath = a.req('index');
  const queries = a.list('queries', true);
  const gtPath = a.list('gt', true);
  const nprobe = a.int('nprobe');
  const kArg = a.int('k', {}, 100);
  const refineFactor = a.optInt('refine-factor');
  checkAsUsage(() => checkSearchOptions({ k: kArg, nprobe, refineFactor }, flagName));
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
      const r = await searchInChunks(index, queries, k, nprobe, refineFactor, signal, progressPrinter(quiet));
      const out: Result = { command: 'eval', nq, nprobe, k, ...(refineFactor ? { refineFactor } : {}) };
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
      ntotal: index.ntotal, rotation: index.toData().rotation !== null, refine: index.refine, bytesPerVector: index.bytesPerVector,
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
  const refineFactor = a.int('refine-factor', { min: 1 }, 1);
  a.done();
  await checkFiles([{ flag: 'index', path: indexPath }], { flag: 'out', path: out });
  const data = await readIndexData(indexPath, { signal });
  throwIfAborted(signal, 'export-faiss');
  await saveFaissIndex(out, data, { nprobe, refineFactor });
  return { command: 'export-faiss', out, ntotal: data.listOffsets[data.nlist], rotation: data.rotation !== null, refine: data.refine?.kind ?? null };
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
  const mdPath = a.str('md');
  const quiet = a.flag('quiet');
  a.done();
  if (outPath !== undefined) await checkFiles([], { flag: 'out', path: outPath });
  if (mdPath !== undefined) await checkFiles([], { flag: 'md', path: mdPath });
  if (outPath !== undefined && mdPath !== undefined && resolvePath(outPath) === resolvePath(mdPath)) {
    throw new UsageError('--out and --md name the same file');
  }
  const { benchKernels } = await import('../bench/kernels.js');
  const os = await import('node:os');
  const machine = `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()} ${os.arch()}`;
  const result = await withEngine({ profile: true }, (engine) => benchKernels(engine, { quick, signal, onProgress: progressPrinter(quiet), machine, loadAverage: () => os.loadavg() }));
  if (!quiet) process.stderr.write(result.table + '\n');
  const { writeFileAtomic } = await import('../io/vectors-node.js');
  if (outPath !== undefined) await writeFileAtomic(outPath, new TextEncoder().encode(JSON.stringify(result.json, null, 2) + '\n'));
  if (mdPath !== undefined) {
    const { formatKernelMarkdown } = await import('../bench/kernel-table.js');
    await writeFileAtomic(mdPath, new TextEncoder().encode(`# Kernel benchmark\n\n${formatKernelMarkdown(result.json, machine)}\n`));
  }
  return result.json as unknown as Result;
}

const COMMANDS: Record<string, { run: (a: Args, signal: AbortSignal) => Promise<Result>; operands?: number }> = {
  'train': { run: cmdTrain }, 'search': { run: cmdSearch }, 'eval': { run: cmdEval }, 'info': { run: cmdInfo },
  'add': { run: cmdAdd }, 'merge': { run: cmdMerge },
  'export-faiss': { run: cmdExportFaiss }, 'import-faiss': { run: cmdImportFaiss }, 'bench': { run: cmdBench, operands: 1 },
  'distill': { run: cmdDistill },
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
