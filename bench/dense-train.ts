// IVF256,PQ32x8 training on the first 50,000 vectors of a data set: ours (`IvfPqIndex.train`, k-means only: IVF
// spherical k-means 10 iterations, then PQ k-means 25 iterations per sub-space on the residuals, as Faiss) next to
// Faiss's training of the same factory on the same rows in the same run (/usr/bin/python3 or $FAISS_PYTHON with
// faiss; skipped, and said so, when that cannot import faiss). `np`: Faiss without polysemous training, which we do
// not do either. Reports seconds and the load average.
// Usage: npx tsx bench/dense-train.ts [--reps 1] [--data /work/shared/data/wordnet-use-lite-512-ip] [--faiss auto|off]
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { createEngine } from '../src/node/create.js';
import { IvfPqIndex } from '../src/api.js';
import { readVectors } from '../src/io/vectors-node.js';

const arg = (name: string, dflt: string): string => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1]! : dflt; };
const reps = Number(arg('reps', '1')), data = arg('data', '/work/shared/data/wordnet-use-lite-512-ip'), faissMode = arg('faiss', 'auto');
const files = [0, 1, 2].map((i) => `${data}/base.part${i}.fvecs`);
const nlist = 256, m = 32;
const engine = await createEngine();
const base = await readVectors(files);
const n = Math.min(50000, base.n), dim = base.dim, x = base.data.subarray(0, n * dim);
const load = () => loadavg().map((v) => v.toFixed(2)).join(' ');
console.log(`${engine.adapterName}; ${n} x ${dim}; IVF${nlist},PQ${m}x8 inner product; load ${load()}`);

async function ours(): Promise<number> {
  const index = new IvfPqIndex(engine, { dim, nlist, m, bits: 8, metric: 'ip' });
  try { const t0 = performance.now(); await index.train(x); return (performance.now() - t0) / 1000; } finally { index.dispose(); }
}

const FAISS = `
import sys, time, numpy as np, faiss
def rows(paths, n):
    out = []
    for p in paths:
        a = np.fromfile(p, dtype=np.int32); d = int(a[0]); v = a.reshape(-1, d + 1)[:, 1:].view(np.float32)
        out.append(v)
        if sum(len(o) for o in out) >= n: break
    return np.ascontiguousarray(np.concatenate(out)[:n])
x = rows(sys.argv[2:], int(sys.argv[1]))
index = faiss.index_factory(x.shape[1], "IVF${nlist},PQ${m}np", faiss.METRIC_INNER_PRODUCT)
t0 = time.perf_counter(); index.train(x); t1 = time.perf_counter()
print(f"{t1 - t0:.3f} {faiss.omp_get_max_threads()}")
`;
const python = process.env.FAISS_PYTHON || '/usr/bin/python3';
let faissOk = faissMode !== 'off';
if (faissOk) { try { execFileSync(python, ['-c', 'import faiss, numpy'], { stdio: 'ignore' }); } catch { faissOk = false; console.log(`Faiss: ${python} cannot import faiss; not measured`); } }
function faiss(): [number, string] {
  const [sec, threads] = execFileSync(python, ['-c', FAISS, String(n), ...files], { encoding: 'utf8' }).trim().split(' ');
  return [Number(sec), threads!];
}
for (let r = 0; r < reps; r++) {
  const o = await ours();
  const f = faissOk ? faiss() : null;
  console.log(`rep ${r}: ours ${o.toFixed(1)} s; ` + (f ? `Faiss ${f[0].toFixed(1)} s (${f[1]} threads); ours / Faiss ${(o / f[0]).toFixed(2)}` : 'Faiss off') + `; load ${load()}`);
}
engine.dispose();
