import t from 'tap';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadDemoData, demoDataDir } from '../src/io/demo-data-node.js';
import { loadDemoDataFromUrl } from '../src/io/demo-data.js';
import { rng, freshSeed } from './helpers.js';

t.test('demo data loads from the package folder, is consistent, and its ground truth is exact', async (t) => {
  const d = await loadDemoData({ texts: true });
  const { base, queries, groundTruth, info } = d;
  t.same([base.n, base.dim, queries.n, queries.dim, groundTruth.dim], [info.n_base, info.dim, info.n_query, info.dim, 100]);
  t.equal(d.baseTexts!.length, base.n);
  t.equal(d.queryTexts!.length, queries.n);
  t.ok(d.queryTexts!.every((q) => Number.isInteger(q.source_base_index) && q.source_base_index >= 0 && q.source_base_index < base.n), 'every weak label points into the subset');
  // unit norm to within float16 rounding
  let worst = 0;
  for (let i = 0; i < base.n; i++) {
    let s = 0;
    for (let j = 0; j < base.dim; j++) s += base.data[i * base.dim + j]! ** 2;
    worst = Math.max(worst, Math.abs(Math.sqrt(s) - 1));
  }
  t.ok(worst < 2e-3, `base vectors unit-norm (worst |norm-1| = ${worst.toExponential(2)})`);
  // recompute the top-100 of a few random queries in float64
  const seed = freshSeed(), r = rng(seed);
  for (let k = 0; k < 5; k++) {
    const q = Math.floor(r() * queries.n);
    const s = new Float64Array(base.n);
    for (let i = 0; i < base.n; i++) {
      let v = 0;
      for (let j = 0; j < base.dim; j++) v += queries.data[q * base.dim + j]! * base.data[i * base.dim + j]!;
      s[i] = v;
    }
    const top = Array.from(s.keys()).sort((a, b) => s[b]! - s[a]! || a - b).slice(0, 100);
    t.same(Array.from(groundTruth.data.subarray(q * 100, q * 100 + 100)), top, `seed ${seed}: query ${q} ground truth`);
  }
});

t.test('demo data loads over HTTP with loadDemoDataFromUrl', async (t) => {
  const dir = demoDataDir();
  const server = createServer((req, res) => {
    const name = (req.url ?? '').replace(/^\/demo\//, '');
    readFile(join(dir, name)).then((b) => { res.writeHead(200); res.end(b); }, () => { res.writeHead(404); res.end(); });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  t.teardown(() => server.close());
  const port = (server.address() as { port: number }).port;
  const d = await loadDemoDataFromUrl(`http://127.0.0.1:${port}/demo`, { texts: true });
  const local = await loadDemoData();
  t.ok(d.base.data.every((v, i) => v === local.base.data[i]), 'same base vectors');
  t.equal(d.queryTexts![0]!.text.length > 0, true);
  await t.rejects(loadDemoDataFromUrl(`http://127.0.0.1:${port}/nope`), /GET .*dataset\.json failed: 404/);
  await t.rejects(loadDemoData({ dir: '/nonexistent' }), /cannot read \/nonexistent\/dataset\.json/);
});
