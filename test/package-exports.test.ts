// The package's entry points resolve as a user would import them (self-reference through the exports map).
import t from 'tap';
import { spawnSync } from 'node:child_process';

t.test('import from "distill-vq" (Node entry) gives the public API', async (t) => {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `
    const m = await import('distill-vq');
    const names = ['createEngine', 'IvfPqIndex', 'readVectors', 'loadIvfPq', 'saveIvfPq', 'toFaissBytes', 'fromBytes', 'toBytes', 'exactSearch', 'recallAtK', 'Tape', 'benchKernels', 'loadDemoData'];
    const missing = names.filter((n) => typeof m[n] !== 'function');
    const e = await m.createEngine();
    const idx = new m.IvfPqIndex(e, { dim: 8, nlist: 2, m: 2 });
    console.log(JSON.stringify({ missing, adapter: e.adapterName, trained: idx.isTrained }));
    idx.dispose(); e.dispose();`], { encoding: 'utf8', cwd: new URL('..', import.meta.url).pathname });
  t.equal(r.status, 0, r.stderr.slice(-500));
  const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
  t.same(out.missing, [], 'every documented export is there');
  t.type(out.adapter, 'string');
});

t.test('the bin prints usage', async (t) => {
  const r = spawnSync(process.execPath, [new URL('../bin/distill-vq.js', import.meta.url).pathname, 'help'], { encoding: 'utf8' });
  t.equal(r.status, 0);
  t.match(r.stdout, /distill-vq train/);
});
