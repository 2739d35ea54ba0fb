// Smoke test of the first-run demo (scripts/demo.mjs, `npm run demo`) with its tiny --quick settings: the JSON
// summary, the human-readable tables, and Ctrl-C. Runs the compiled library in dist/ (npm test's pretest builds it).
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const script = join(root, 'scripts/demo.mjs');
const built = existsSync(join(root, 'dist/index.js'));

interface MethodRow {
  method: string; recall10: number; recall100: number; top1In10: number;
  bytesPerVector: number; trainSeconds: number; searchMsPerQuery: number;
}

const runDemo = (args: string[]) => spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8', timeout: 300000 });
const fraction = (x: unknown) => typeof x === 'number' && x >= 0 && x <= 1;

t.test('dist/ is built (npm run build; npm test does it in pretest)', async (t) => {
  t.ok(built, 'dist/index.js exists');
});

t.test('demo --quick --json: both methods, fractions, bytes per vector, held-out queries', { skip: !built && 'dist/ is not built' }, async (t) => {
  const r = runDemo(['--quick', '--json']);
  t.equal(r.status, 0, `exits 0: ${r.stderr.slice(-400)}`);
  const s = JSON.parse(r.stdout) as {
    adapter: string; base: number; dim: number; quick: boolean;
    config: { nlist: number; m: number; bits: number; nprobe: number; k: number };
    trainQueries: [number, number]; evalQueries: [number, number];
    methods: MethodRow[]; distill: { epochs: number; steps: number; validationRecall: number[] };
  };
  t.equal(s.quick, true);
  t.ok(typeof s.adapter === 'string' && s.adapter.length > 0, 'names the adapter');
  t.same(s.methods.map((m) => m.method), ['k-means', 'Distill-VQ'], 'both methods, k-means first');
  t.same(s.evalQueries, [250, 500], 'evaluated on queries 250-499');
  t.ok(s.trainQueries[0] >= 0 && s.trainQueries[1] <= s.evalQueries[0] && s.trainQueries[1] > s.trainQueries[0], `training queries ${s.trainQueries.join('-')} come before the held-out ones`);
  const codeBytes = (s.config.m * s.config.bits) / 8;
  for (const m of s.methods) {
    t.ok(fraction(m.recall10) && fraction(m.recall100) && fraction(m.top1In10), `${m.method}: recalls are fractions (${m.recall10}, ${m.recall100}, ${m.top1In10})`);
    // random ids would find about k / base of the exact top-k; any working index does far better
    t.ok(m.recall100 > 4 * (s.config.k / s.base), `${m.method}: recall@100 ${m.recall100} is far above chance (${s.config.k / s.base})`);
    t.equal(m.bytesPerVector, codeBytes + 4, `${m.method}: ${codeBytes} code bytes + 4-byte id per vector`);
    t.ok(m.trainSeconds > 0 && Number.isFinite(m.trainSeconds), `${m.method}: train seconds ${m.trainSeconds}`);
    t.ok(m.searchMsPerQuery > 0 && Number.isFinite(m.searchMsPerQuery), `${m.method}: search ms/query ${m.searchMsPerQuery}`);
  }
  t.ok(s.methods[1]!.trainSeconds > s.methods[0]!.trainSeconds, 'Distill-VQ train time includes the k-means start');
  t.ok(s.distill.steps >= 1 && s.distill.validationRecall.every(fraction), 'the distillation ran and reports validation recalls');
  t.match(r.stderr, /ETA/, 'progress (rate, ETA) on stderr');
});

t.test('demo --quick (text): table, adapter, example queries with texts', { skip: !built && 'dist/ is not built' }, async (t) => {
  const r = runDemo(['--quick', '--nlist', '4', '--m', '8']);
  t.equal(r.status, 0, `exits 0: ${r.stderr.slice(-400)}`);
  const out = r.stdout;
  t.match(out, /GPU adapter: \S/, 'prints the adapter name');
  t.match(out, /held-out queries 250-499/, 'says which queries are evaluated');
  t.match(out, /method\s+recall@10\s+recall@100\s+top-1 in top-10\s+bytes\/vector\s+train s\s+search ms\/query/, 'table header');
  t.match(out, /^\s+k-means\s+[01]\.\d{3}\s+[01]\.\d{3}\s+[01]\.\d{3}\s+12\s/m, 'k-means row (8 code bytes + 4)');
  t.match(out, /^\s+Distill-VQ\s+[01]\.\d{3}\s+[01]\.\d{3}\s+[01]\.\d{3}\s+12\s/m, 'Distill-VQ row');
  t.match(out, /nprobe = 1 of 4 lists/, '--nlist sets the lists (and nprobe defaults to nlist / 8)');
  const queries = out.match(/^Query \d+: ".+"$/gm) ?? [];
  t.equal(queries.length, 4, 'four example queries with their text');
  const results = out.match(/^ {2}[1-5]\. [* ] -?\d\.\d{3} \[-?\d\.\d{3}\] {2}\S/gm) ?? [];
  t.equal(results.length, 20, 'five results with scores and texts for each');
});

t.test('demo: Ctrl-C cancels, exit code 130', { skip: !built && 'dist/ is not built' }, async (t) => {
  const child = spawn(process.execPath, [script, '--quick'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let sent = false;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    err += d;
    if (!sent && /\[k-means\]/.test(err)) { sent = true; child.kill('SIGINT'); }
  });
  const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  t.ok(sent, 'SIGINT was sent during training');
  t.equal(code, 130, `exit code 130 after Ctrl-C: ${err.slice(-300)}`);
  t.match(err, /demo: cancelled/, 'says it was cancelled');
});
