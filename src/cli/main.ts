// The distill-vq command line: train, search, eval, bench, export/import Faiss. Progress goes to stderr,
// results (with --json) to stdout as one JSON object.
import { createEngine } from '../node/create.js';
import { IvfPqIndex } from '../api/ivfpq-index.js';
import { DISTILL_DEFAULTS } from '../training/distill/options.js';
import { readVectors, readIntVectors, writeIvecs } from '../io/vectors-node.js';
import { formatProgress, now, type Progress } from '../util/progress.js';
import { Args, parseArgs, UsageError } from './args.js';
import { recallAtK } from '../index/metrics.js';
import { readIndexData, writeIndexData } from '../io/index-file.js';
import { saveFaissIndex, loadFaissIndex } from '../io/faiss-file.js';

const USAGE = `distill-vq: IVF+PQ vector indexes trained on WebGPU (k-means or Distill-VQ)

  distill-vq train  --base F... --lists L --m M [--bits 8|4] [--metric ip|l2] [--opq]
                    [--distill [--train-queries F...] [--loss listnet|kl|mse|margin-mse|ranknet]
                     [--epochs N] [--batch B] [--topk K] [--no-inbatch] [--temperature T]
                     [--lr-codebooks R] [--lr-centroids R] [--assign-temperature T] [--pseudo-queries N]]
                    [--seed S] --out INDEX.dvq [--json]
  distill-vq search --index INDEX --queries F --k K --nprobe P --out IDS.ivecs [--quiet] [--json]
  distill-vq eval   --index INDEX --queries F --gt GT.ivecs --nprobe P [--k 100] [--quiet] [--json]
  distill-vq export-faiss --index INDEX --out FILE.faissindex [--nprobe P]
  distill-vq import-faiss --in FILE.faissindex --out INDEX.dvq
  distill-vq bench kernels [--quick] [--out FILE.json] [--json]
  distill-vq info   --index INDEX [--json]

Vector files: .fvecs, .npy (float32), .f32 (raw, needs --dim), several files are concatenated in order.`;

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

async function loadIndex(engine: Awaited<ReturnType<typeof createEngine>>, path: string): Promise<IvfPqIndex> {
  return IvfPqIndex.load(engine, path);
}

async function cmdTrain(a: Args, signal: AbortSignal): Promise<Record<string, unknown>> {
  const base = a.list('base', true);
  const nlist = a.int('lists');
  const m = a.int('m');
  const bits = a.int('bits', 8);
  const metric = a.str('metric', 'ip');
  if (metric !== 'ip' && metric !== 'l2') throw new UsageError(`train: --metric must be ip or l2, got '${metric}'`);
  if (bits !== 8 && bits !== 4) throw new UsageError(`train: --bits must be 8 or 4, got ${bits}`);
  const out = a.req('out');
  const seed = a.int('seed', 1234);
  const opq = a.has('opq');
  const distill = a.has('distill');
  const dim = a.str('dim');
  const trainQueries = a.list('train-queries');
  const loss = a.str('loss', DISTILL_DEFAULTS.loss);
  const epochs = a.int('epochs', DISTILL_DEFAULTS.epochs);
  const batch = a.int('batch', DISTILL_DEFAULTS.batchSize);
  const topK = a.int('topk', DISTILL_DEFAULTS.topK);
  const inBatch = !a.has('no-inbatch');
  const temperature = a.num('temperature', DISTILL_DEFAULTS.temperature);
  // unset: the library's defaults (README, Distill-VQ options)
  const tuning = {
    lrCodebooks: a.optNum('lr-codebooks'), lrCentroids: a.optNum('lr-centroids'),
    assignTemperature: a.optNum('assign-temperature'), pseudoQueries: a.optNum('pseudo-queries'),
  };
  const quiet = a.has('quiet');
  a.done();
  const onProgress = progressPrinter(quiet);
  const t0 = now();
  const { data, n, dim: d } = await readVectors(base, dim ? { dim: Number(dim) } : {});
  const engine = await createEngine();
  try {
    const index = new IvfPqIndex(engine, { dim: d, nlist, m, bits, metric });
    const tTrain = now();
    await index.train(data, { seed, opq, onProgress, signal });
    const trainS = (now() - tTrain) / 1000;
    const tAdd = now();
    await index.add(data, undefined, { onProgress, signal });
    const addS = (now() - tAdd) / 1000;
    let distillS = 0;
    let distillInfo: Record<string, unknown> | undefined;
    if (distill) {
      const tq = trainQueries.length ? (await readVectors(trainQueries, { dim: d })).data : undefined;
      const tD = now();
      distillInfo = await index.distill({
        base: data, ...(tq ? { queries: tq } : {}), loss: loss as 'listnet', epochs, batchSize: batch, topK, inBatch,
        temperature, seed, onProgress, signal,
        ...Object.fromEntries(Object.entries(tuning).filter(([, v]) => v !== undefined)),
      }) as unknown as Record<string, unknown>;
      distillS = (now() - tD) / 1000;
    }
    await index.save(out);
    const summary = {
      command: 'train', out, n, dim: d, lists: nlist, m, bits, metric, opq, distill,
      bytesPerVector: index.bytesPerVector, trainSeconds: trainS, addSeconds: addS, distillSeconds: distillS,
      totalSeconds: (now() - t0) / 1000, adapter: engine.adapterName, ...(distillInfo ? { distillInfo } : {}),
    };
    index.dispose();
    return summary;
  } finally {
    engine.dispose();
  }
}

async function cmdSearch(a: Args, signal: AbortSignal): Promise<Record<string, unknown>> {
  const indexPath = a.req('index');
  const queries = a.list('queries', true);
  const k = a.int('k');
  const nprobe = a.int('nprobe');
  const out = a.req('out');
  const quiet = a.has('quiet');
  a.done();
  const engine = await createEngine();
  try {
    const index = await loadIndex(engine, indexPath);
    const q = await readVectors(queries, { dim: index.dim });
    const t0 = now();
    const r = await index.search(q.data, { k, nprobe, signal, onProgress: progressPrinter(quiet) });
    const s = (now() - t0) / 1000;
    await writeIvecs(out, r.ids, k);
    index.dispose();
    return { command: 'search', out, nq: q.n, k, nprobe, seconds: s, qps: q.n / s, adapter: engine.adapterName };
  } finally {
    engine.dispose();
  }
}

async function cmdEval(a: Args, signal: AbortSignal): Promise<Record<string, unknown>> {
  const indexPath = a.req('index');
  const queries = a.list('queries', true);
  const gtPath = a.list('gt', true);
  const nprobe = a.int('nprobe');
  const kArg = a.int('k', 100);
  const quiet = a.has('quiet');
  a.done();
  const engine = await createEngine();
  try {
    const index = await loadIndex(engine, indexPath);
    const q = await readVectors(queries, { dim: index.dim });
    const gt = await readIntVectors(gtPath);
    if (gt.n !== q.n) throw new Error(`eval: ${gt.n} ground-truth rows for ${q.n} queries`);
    const k = Math.min(kArg, gt.dim, index.ntotal);
    await index.search(q.data.subarray(0, Math.min(q.n, 16) * index.dim), { k, nprobe }); // warm-up: compile pipelines
    const t0 = now();
    const r = await index.search(q.data, { k, nprobe, signal, onProgress: progressPrinter(quiet) });
    const s = (now() - t0) / 1000;
    const out: Record<string, unknown> = { command: 'eval', nq: q.n, nprobe, k };
    for (const kk of [1, 10, 100]) if (kk <= k) out[`recall@${kk}`] = recallAtK(r.ids, k, gt.data, gt.dim, q.n, kk);
    Object.assign(out, { seconds: s, qps: q.n / s, bytesPerVector: index.bytesPerVector, adapter: engine.adapterName });
    index.dispose();
    return out;
  } finally {
    engine.dispose();
  }
}

async function cmdInfo(a: Args): Promise<Record<string, unknown>> {
  const indexPath = a.req('index');
  a.done();
  const engine = await createEngine();
  try {
    const index = await loadIndex(engine, indexPath);
    const sizes = index.listSizes();
    const info = {
      command: 'info', dim: index.dim, lists: index.nlist, m: index.m, bits: index.bits, metric: index.metric,
      ntotal: index.ntotal, rotation: index.toData().rotation !== null, bytesPerVector: index.bytesPerVector,
      largestList: Math.max(...sizes), emptyLists: sizes.filter((s) => s === 0).length,
    };
    index.dispose();
    return info;
  } finally {
    engine.dispose();
  }
}

async function cmdExportFaiss(a: Args): Promise<Record<string, unknown>> {
  const indexPath = a.req('index');
  const out = a.req('out');
  const nprobe = a.int('nprobe', 1);
  a.done();
  const data = await readIndexData(indexPath);
  await saveFaissIndex(out, data, { nprobe });
  return { command: 'export-faiss', out, ntotal: data.listOffsets[data.nlist], rotation: data.rotation !== null };
}

async function cmdImportFaiss(a: Args): Promise<Record<string, unknown>> {
  const input = a.req('in');
  const out = a.req('out');
  a.done();
  const data = await loadFaissIndex(input);
  await writeIndexData(out, data);
  return { command: 'import-faiss', out, ntotal: data.listOffsets[data.nlist], dim: data.dim, lists: data.nlist, m: data.m };
}

async function cmdBench(a: Args, rest: string[]): Promise<Record<string, unknown>> {
  if (rest[0] !== 'kernels') throw new UsageError(`bench: unknown benchmark '${rest[0] ?? ''}' (try: bench kernels)`);
  const quick = a.has('quick');
  const outPath = a.str('out');
  const quiet = a.has('quiet');
  a.done();
  const { benchKernels } = await import('../bench/kernels.js');
  const engine = await createEngine({ profile: true });
  try {
    const result = await benchKernels(engine, { quick, onProgress: progressPrinter(quiet) });
    if (!quiet) process.stderr.write(result.table + '\n');
    if (outPath) {
      const { writeFileAtomic } = await import('../io/vectors-node.js');
      await writeFileAtomic(outPath, new TextEncoder().encode(JSON.stringify(result.json, null, 2) + '\n'));
    }
    return result.json as unknown as Record<string, unknown>;
  } finally {
    engine.dispose();
  }
}

export async function main(argv: string[]): Promise<number> {
  const parsed = parseArgs(argv);
  const [command, ...rest] = parsed.positional;
  if (!command || command === 'help' || parsed.flags.has('help')) {
    process.stdout.write(USAGE + '\n');
    return command ? 0 : 1;
  }
  const a = new Args(parsed, command);
  const json = a.has('json');
  const controller = new AbortController();
  const onSigint = () => { process.stderr.write('[distill-vq] cancelling...\n'); controller.abort(); };
  process.once('SIGINT', onSigint);
  try {
    let result: Record<string, unknown>;
    switch (command) {
      case 'train': result = await cmdTrain(a, controller.signal); break;
      case 'search': result = await cmdSearch(a, controller.signal); break;
      case 'eval': result = await cmdEval(a, controller.signal); break;
      case 'info': result = await cmdInfo(a); break;
      case 'export-faiss': result = await cmdExportFaiss(a); break;
      case 'import-faiss': result = await cmdImportFaiss(a); break;
      case 'bench': result = await cmdBench(a, rest); break;
      default: throw new UsageError(`unknown command '${command}'\n\n${USAGE}`);
    }
    if (json) process.stdout.write(JSON.stringify(result) + '\n');
    else process.stderr.write(`[distill-vq] ${Object.entries(result).filter(([, v]) => typeof v !== 'object').map(([k, v]) => `${k}=${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(4) : v}`).join(' ')}\n`);
    return 0;
  } catch (e) {
    const err = e as Error;
    process.stderr.write(`distill-vq ${command}: ${err.name === 'AbortError' ? 'cancelled' : err.message}\n`);
    return err.name === 'UsageError' ? 2 : 1;
  } finally {
    process.off('SIGINT', onSigint);
  }
}
