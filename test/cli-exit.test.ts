// Every exit path of the command line ends with its documented code (0 success, 1 error, 2 usage, 130 Ctrl-C) and
// message, with stdout and stderr redirected to FILES (`distill-vq ... >o 2>e`: the case that crashed with SIGSEGV or
// SIGABRT, or hung, when a disposed engine's Dawn instance was collected during exit), several runs each. An output
// that is one of the inputs is refused before any work and the input is left byte for byte as it was.
// Runs the compiled CLI (bin/distill-vq.js -> dist/; npm test's pretest builds it).
import t from 'tap';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  openSync, closeSync, readFileSync, writeFileSync, mkdtempSync, rmSync, symlinkSync, linkSync, existsSync, mkdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { rng, randomF32, fvecs } from './helpers.js';
import { randomIvfPq } from './fixtures/random-ivfpq.js';
import { toFaissBytes } from '../src/io/faiss-format.js';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'bin/distill-vq.js');
const built = existsSync(join(root, 'dist/cli/main.js'));
const RUNS = Number(process.env.CLI_EXIT_RUNS ?? 5);
const dir = mkdtempSync(join(tmpdir(), 'dvq-cli-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

interface Run { code: number | null; signal: string | null; stdout: string; stderr: string }

let seq = 0;
/** Runs `node <script> ...args` in `dir` with stdout and stderr opened on files; a run past `timeoutMs` is killed. */
function runNode(script: string, args: string[], opts: { timeoutMs?: number; onStart?: (c: ChildProcess, errFile: string) => void } = {}): Promise<Run> {
  const id = seq++;
  const outFile = join(dir, `.run${id}.out`), errFile = join(dir, `.run${id}.err`);
  const fo = openSync(outFile, 'w'), fe = openSync(errFile, 'w');
  const child = spawn(process.execPath, [script, ...args], { cwd: dir, stdio: ['ignore', fo, fe] });
  closeSync(fo); closeSync(fe); // the child holds its own descriptors
  return new Promise((done) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, stdout: readFileSync(outFile, 'utf8'), stderr: readFileSync(errFile, 'utf8') });
    });
    opts.onStart?.(child, errFile);
  });
}
const cli = (args: string[], opts?: Parameters<typeof runNode>[2]) => runNode(bin, args, opts);

/** Runs jobs two at a time (the CLI runs are mostly start-up; two overlap well on two cores). */
async function pool<T>(jobs: (() => Promise<T>)[], width = 2): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) { const i = next++; out[i] = await jobs[i]!(); }
  }));
  return out;
}

// inputs: the 300 x 16 base, queries, ids, an empty file, a directory, a FIFO, links to the base
const r = rng(20240610);
writeFileSync(join(dir, 'b.fvecs'), fvecs(randomF32(r, 300 * 16), 16));
writeFileSync(join(dir, 'q.fvecs'), fvecs(randomF32(r, 20 * 16), 16));
const ids = Buffer.alloc(20 * 4 * 5);
for (let i = 0; i < 20; i++) { ids.writeInt32LE(4, i * 20); for (let j = 0; j < 4; j++) ids.writeInt32LE((i * 7 + j) % 300, i * 20 + 4 + 4 * j); }
writeFileSync(join(dir, 'gt.ivecs'), ids);
writeFileSync(join(dir, 'empty.fvecs'), Buffer.alloc(0));
writeFileSync(join(dir, 'junk.dvq'), Buffer.from('not an index at all, just some bytes'));
writeFileSync(join(dir, 'some.faissindex'), Buffer.from('IwPQ and then garbage'));
// a Faiss IndexIVFPQ whose nlist (the size_t after the 4-byte fourcc and the 33-byte index header) is 2^20 + 1,
// one more than an index may have: import-faiss must refuse it rather than write a .dvq that load refuses
const wide = toFaissBytes(randomIvfPq(r, { dim: 8, m: 4, bits: 8, nlist: 4, ntotal: 10 }));
new DataView(wide.buffer).setBigUint64(4 + 33, BigInt(2 ** 20 + 1), true);
writeFileSync(join(dir, 'wide.faissindex'), wide);
mkdirSync(join(dir, 'folder.fvecs'));
symlinkSync('b.fvecs', join(dir, 'link.fvecs'));
linkSync(join(dir, 'b.fvecs'), join(dir, 'hard.fvecs'));
const fifoMade = spawnSync('mkfifo', [join(dir, 'pipe.fvecs')]).status === 0;
const protectedFiles = ['b.fvecs', 'q.fvecs', 'gt.ivecs', 'some.faissindex'];
const snapshot = () => Object.fromEntries(protectedFiles.map((f) => [f, readFileSync(join(dir, f)).toString('base64')]));

const base = ['--base', 'b.fvecs'];
const train = (...more: string[]) => ['train', ...base, '--lists', '2', '--m', '4', '--out', 'x.dvq', ...more];

/** `gpu`: the command makes a GPU engine before it fails (the paths that crashed); these run RUNS times, the others,
 *  which fail before any engine exists, fewer times to keep the test short. */
interface Case { args: string[]; code: 0 | 1 | 2; message: RegExp; gpu?: boolean }
const usage = (args: string[], message: RegExp): Case => ({ args, code: 2, message });
const error = (args: string[], message: RegExp, gpu = false): Case => ({ args, code: 1, message, gpu });
const runsOf = (c: Case) => (c.gpu ? RUNS : Math.max(2, Math.ceil(RUNS / 2)));

const cases: Case[] = [
  usage([], /^distill-vq: no command given/m),
  usage(['frobnicate'], /unknown command 'frobnicate'/),
  usage(['train'], /train: --base is required/),
  usage(['train', ...base, '--m', '4', '--out', 'x.dvq'], /--lists is required/),
  usage(['train', ...base, '--lists', '0', '--m', '4', '--out', 'x.dvq'], /--lists must be an integer in \[1, 1048576\], got 0/),
  usage(['train', ...base, '--lists', '2', '--m', '-4', '--out', 'x.dvq'], /--m must be an integer in \[1, 65536\], got -4/),
  usage(train('--bits', '3'), /--bits must be one of 8, 4, got '3'/),
  usage(train('--metric', 'cosine'), /--metric must be one of ip, l2/),
  usage(train('--seed', '1.5'), /--seed must be an integer >= 0 and <= 4294967295/),
  usage(train('--dim', '0'), /--dim must be an integer >= 1/),
  usage(train('--distill', '--temperature', 'abc'), /--temperature must be a number, got 'abc'/),
  usage(train('--distill', '--temperature', '0'), /--temperature must be a finite number > 0 or 'auto', got 0/),
  usage(train('--distill', '--loss', 'hinge'), /--loss must be one of listnet, kl, mse, margin-mse, ranknet/),
  usage(train('--distill', '--epochs', '0'), /--epochs must be an integer in \[1, 1000\], got 0/),
  usage(train('--distill', '--batch', '2.5'), /--batch must be an integer, got '2\.5'/),
  usage(train('--distill', '--topk', '-1'), /--topk must be an integer in \[1, 1024\], got -1/),
  usage(train('--distill', '--lr-codebooks', '-1e-3'), /--lr-codebooks must be a finite number >= 0, got -0\.001/),
  usage(train('--distill', '--assign-temperature', '0'), /--assign-temperature must be a finite number > 0 or 'auto', got 0/),
  usage(train('--distill', '--pseudo-queries', '-5'), /--pseudo-queries must be an integer >= 0, got -5/),
  usage(train('--temperature', '0.1'), /--temperature only applies with --distill/),
  usage(train('--lists', '2'), /--lists takes one value, got 2/),
  usage(train('--opq', 'yes'), /--opq takes no value, got 'yes'/),
  usage(train('--frobnicate'), /unknown option --frobnicate/),
  usage(['train', 'stray', ...base, '--lists', '2', '--m', '4', '--out', 'x.dvq'], /unexpected argument 'stray'/),
  usage(['search', '--index', 'x.dvq', '--queries', 'q.fvecs', '--k', '0', '--nprobe', '1', '--out', 'i.ivecs'], /--k must be an integer in \[1, 1024\], got 0/),
  usage(['eval', '--index', 'x.dvq', '--queries', 'q.fvecs', '--gt', 'gt.ivecs', '--nprobe', '-1'], /--nprobe must be an integer >= 1, got -1/),
  usage(['export-faiss', '--index', 'x.dvq', '--out', 'x.faissindex', '--nprobe', 'many'], /--nprobe must be an integer >= 1, got 'many'/),
  usage(['import-faiss', '--in', 'some.faissindex'], /--out is required/),
  // option values are checked (by the library's own rules) before any file: a missing --base is not reached
  usage(['train', '--base', 'missing.fvecs', '--lists', '2', '--m', '4', '--distill', '--epochs', '0', '--out', 'x.dvq'], /--epochs must be an integer in \[1, 1000\], got 0/),
  usage(['train', '--base', 'missing.fvecs', '--lists', '2000000', '--m', '4', '--out', 'x.dvq'], /--lists must be an integer in \[1, 1048576\], got 2000000/),
  usage(['search', '--index', 'missing.dvq', '--queries', 'q.fvecs', '--k', '2000', '--nprobe', '1', '--out', 'i.ivecs'], /--k must be an integer in \[1, 1024\], got 2000/),
  usage(['info'], /--index is required/),
  usage(['info', 'extra', '--index', 'x.dvq'], /unexpected argument 'extra'/),
  usage(['bench'], /unknown benchmark ''/),
  usage(['bench', 'kernels', 'extra'], /unexpected argument 'extra'/),
  // errors the GPU engine is made for (train's checks, a bad index file): the crash cases
  error(['train', ...base, '--lists', '1000', '--m', '4', '--out', 'x.dvq'], /300 vectors cannot train 1000 IVF lists/, true),
  error(['info', '--index', 'junk.dvq'], /junk\.dvq/, true),
  // errors found before the GPU (m must divide the dim in the file's header)
  error(['train', ...base, '--lists', '2', '--m', '5', '--out', 'x.dvq'], /dim 16 is not divisible by m 5/),
  error(['import-faiss', '--in', 'wide.faissindex', '--out', 'y.dvq'], /wide\.faissindex: faiss: nlist is 1048577, more than the allowed 1048576/),
  error(['train', '--base', 'empty.fvecs', '--dim', '16', '--lists', '2', '--m', '4', '--out', 'x.dvq'], /--base empty\.fvecs: no vectors/),
  error(['train', '--base', 'missing.fvecs', '--lists', '2', '--m', '4', '--out', 'x.dvq'], /missing\.fvecs: cannot read --base: no such file or directory \(ENOENT\)/),
  error(['train', '--base', 'folder.fvecs', '--lists', '2', '--m', '4', '--out', 'x.dvq'], /folder\.fvecs: cannot read --base: a directory/),
  error(['train', '--base', 'gt.ivecs', '--lists', '2', '--m', '2', '--out', 'x.dvq'], /gt\.ivecs: holds int32 values .* float vectors were expected/),
  error(['train', ...base, '--lists', '2', '--m', '4', '--out', 'folder.fvecs'], /folder\.fvecs: cannot write --out: a directory/),
  error(['train', ...base, '--lists', '2', '--m', '4', '--out', 'no-such-dir/x.dvq'], /no-such-dir\/x\.dvq: cannot write --out/),
  error(['info', '--index', 'missing.dvq'], /missing\.dvq: cannot read --index: no such file/),
  // an output that is one of the inputs, however it is spelled: refused, the input unchanged
  error(['train', ...base, '--lists', '2', '--m', '4', '--out', 'b.fvecs'], /b\.fvecs: --out is the same file as --base b\.fvecs; refusing to overwrite an input/),
  error(['train', ...base, '--lists', '2', '--m', '4', '--out', './b.fvecs'], /--out is the same file as --base b\.fvecs/),
  error(['train', ...base, '--lists', '2', '--m', '4', '--out', join(dir, 'b.fvecs')], /--out is the same file as --base b\.fvecs/),
  error(['train', ...base, '--lists', '2', '--m', '4', '--out', 'link.fvecs'], /--out is the same file as --base b\.fvecs/),
  error(['train', '--base', 'q.fvecs', 'hard.fvecs', '--lists', '2', '--m', '4', '--out', 'b.fvecs'], /--out is the same file as --base hard\.fvecs/),
  error(['train', ...base, '--lists', '2', '--m', '4', '--distill', '--train-queries', 'q.fvecs', '--out', 'q.fvecs'], /--out is the same file as --train-queries q\.fvecs/),
  error(['search', '--index', 'some.faissindex', '--queries', 'q.fvecs', '--k', '2', '--nprobe', '1', '--out', 'q.fvecs'], /--out is the same file as --queries q\.fvecs/),
  error(['search', '--index', 'some.faissindex', '--queries', 'q.fvecs', '--k', '2', '--nprobe', '1', '--out', 'some.faissindex'], /--out is the same file as --index some\.faissindex/),
  error(['export-faiss', '--index', 'some.faissindex', '--out', './some.faissindex'], /--out is the same file as --index/),
  error(['import-faiss', '--in', 'some.faissindex', '--out', 'some.faissindex'], /--out is the same file as --in some\.faissindex/),
];
if (fifoMade) {
  cases.push(error(['train', '--base', 'pipe.fvecs', '--lists', '2', '--m', '4', '--out', 'x.dvq'], /pipe\.fvecs: cannot read --base: a FIFO/));
  cases.push(error(['train', ...base, '--lists', '2', '--m', '4', '--out', 'pipe.fvecs'], /pipe\.fvecs: cannot write --out: a FIFO/));
}

t.test('dist/ is built (npm run build; npm test does it in pretest)', async (t) => {
  t.ok(built, 'dist/cli/main.js exists');
  t.ok(fifoMade, 'mkfifo made a named pipe for the FIFO cases');
});

t.test(`every error path exits with its code and message, output to files, ${runsOf({} as Case)} or ${RUNS} runs each`, { skip: !built && 'dist/ is not built' }, async (t) => {
  const before = snapshot();
  const jobs = cases.flatMap((c) => Array.from({ length: runsOf(c) }, (_, i) => async () => ({ c, i, run: await cli(c.args) })));
  const results = await pool(jobs);
  for (const c of cases) {
    const runs = results.filter((x) => x.c === c).map((x) => x.run);
    const what = `distill-vq ${c.args.join(' ')}`;
    const bad = runs.filter((x) => x.code !== c.code || x.signal !== null || !c.message.test(x.stderr) || x.stdout !== '');
    t.equal(bad.length, 0, `${what}: exit ${c.code} with the message, ${runs.length} of ${runs.length} runs` +
      (bad.length ? ` (got exit ${bad[0]!.code} signal ${bad[0]!.signal}: ${bad[0]!.stderr.slice(-300)})` : ''));
  }
  t.same(snapshot(), before, 'no input was changed');
  t.notOk(existsSync(join(dir, 'x.dvq')) || existsSync(join(dir, 'y.dvq')), 'no failed run wrote an index');
  t.notOk(existsSync(join(dir, 'no-such-dir')), 'no folder was made');
});

t.test(`help and a successful train, info, search and eval exit 0, ${RUNS} runs`, { skip: !built && 'dist/ is not built' }, async (t) => {
  for (const args of [['help'], ['train', '--help']]) {
    const h = await cli(args);
    t.equal(h.code, 0, `${args.join(' ')} exits 0`);
    t.match(h.stdout, /distill-vq train {2}--base F\.\.\..*Exit codes: 0 success, 1 error \(input, file, GPU\), 2 usage error, 130 cancelled/s, 'usage and exit codes on stdout');
  }
  const runs = await pool(Array.from({ length: RUNS }, (_, i) => () => cli(['train', ...base, '--lists', '2', '--m', '4', '--out', `ok${i}.dvq`, '--json', '--quiet'])));
  runs.forEach((x, i) => {
    t.equal(x.code, 0, `train run ${i} exits 0 (signal ${x.signal}) ${x.stderr.slice(-300)}`);
    t.match(JSON.parse(x.stdout || '{}'), { command: 'train', out: `ok${i}.dvq`, n: 300, dim: 16, lists: 2, m: 4 }, 'one JSON summary on stdout');
    t.ok(existsSync(join(dir, `ok${i}.dvq`)), 'the index was written');
  });
  const info = await cli(['info', '--index', 'ok0.dvq', '--json']);
  t.equal(info.code, 0, `info exits 0 ${info.stderr.slice(-200)}`);
  t.match(JSON.parse(info.stdout), { command: 'info', dim: 16, lists: 2, m: 4, ntotal: 300 });
  const search = await cli(['search', '--index', 'ok0.dvq', '--queries', 'q.fvecs', '--k', '4', '--nprobe', '2', '--out', 'ids.ivecs', '--quiet']);
  t.equal(search.code, 0, `search exits 0 ${search.stderr.slice(-200)}`);
  t.equal(readFileSync(join(dir, 'ids.ivecs')).length, 20 * 20, '20 rows of 4 ids');
  const ev = await cli(['eval', '--index', 'ok0.dvq', '--queries', 'q.fvecs', '--gt', 'gt.ivecs', '--nprobe', '2', '--k', '4', '--json', '--quiet']);
  t.equal(ev.code, 0, `eval exits 0 ${ev.stderr.slice(-200)}`);
  t.match(JSON.parse(ev.stdout), { command: 'eval', nq: 20, k: 4 });
  const again = await cli(['search', '--index', 'ok0.dvq', '--queries', 'q.fvecs', '--k', '4', '--nprobe', '2', '--out', 'ids.ivecs', '--quiet']);
  t.equal(again.code, 0, 'an existing output that is not an input is replaced');
});

t.test('Ctrl-C cancels train: exit 130, "cancelled", nothing written', { skip: !built && 'dist/ is not built' }, async (t) => {
  writeFileSync(join(dir, 'big.fvecs'), fvecs(randomF32(r, 3000 * 32), 32));
  let sent = false;
  const run = await cli(['train', '--base', 'big.fvecs', '--lists', '16', '--m', '8', '--distill', '--epochs', '200', '--out', 'cancelled.dvq'], {
    timeoutMs: 120_000,
    onStart: (child, errFile) => {
      const poll = setInterval(() => {
        if (child.exitCode !== null || child.signalCode !== null) { clearInterval(poll); return; }
        if (/\[distill-vq\] .*%/.test(readFileSync(errFile, 'utf8'))) { clearInterval(poll); sent = child.kill('SIGINT'); }
      }, 50);
    },
  });
  t.ok(sent, 'SIGINT was sent once progress showed');
  t.equal(run.code, 130, `exit 130 (signal ${run.signal}): ${run.stderr.slice(-300)}`);
  t.match(run.stderr, /distill-vq train: cancelled/);
  t.notOk(existsSync(join(dir, 'cancelled.dvq')), 'no index written');
});

// The root cause, below the CLI: a process that makes an engine, disposes it and then ends by itself (no
// process.exit) with its output in files. It died with SIGSEGV/SIGABRT or hung when nothing held the Dawn
// instance any more; src/node/create.ts now holds it for the life of the process.
t.test('an engine disposed before a natural exit: no crash or hang, output to files', { skip: !built && 'dist/ is not built' }, async (t) => {
  const script = join(dir, 'dispose-exit.mjs');
  writeFileSync(script, `
import { createEngine } from ${JSON.stringify(join(root, 'dist/node/create.js'))};
async function work() { const e = await createEngine(); try { throw new Error('early failure'); } finally { e.dispose(); } }
try { await work(); } catch (e) { process.stderr.write('caught ' + e.message + '\\n'); }
process.exitCode = 1;
`);
  const runs = await pool(Array.from({ length: 2 * RUNS }, () => () => runNode(script, [], { timeoutMs: 30_000 })));
  const bad = runs.filter((x) => x.code !== 1 || x.signal !== null || !/caught early failure/.test(x.stderr));
  t.equal(bad.length, 0, `${runs.length} of ${runs.length} runs exit 1` + (bad.length ? ` (got exit ${bad[0]!.code} signal ${bad[0]!.signal})` : ''));
});

t.test('bench kernels --quick writes the JSON (--out) and a markdown table of the same rows (--md)', { skip: !built && 'dist/ is not built' }, async (t) => {
  const run = await cli(['bench', 'kernels', '--quick', '--quiet', '--out', 'kernels.json', '--md', 'kernels.md'], { timeoutMs: 120_000 });
  t.equal(run.code, 0, `exit 0: ${run.stderr.slice(-300)}`);
  const json = JSON.parse(readFileSync(join(dir, 'kernels.json'), 'utf8')) as { probes: { kernel: string }[]; cases: { kernel: string }[]; adapter: string };
  const md = readFileSync(join(dir, 'kernels.md'), 'utf8');
  const rows = md.split('\n').filter((l) => /^\| [a-zA-Z:0-9-]+ \|/.test(l) && !l.startsWith('| kernel |'));
  t.equal(rows.length, json.probes.length + json.cases.length, 'one markdown row per probe and case');
  for (const c of [...json.probes, ...json.cases]) t.ok(rows.some((l) => l.startsWith(`| ${c.kernel} |`)), `a row for ${c.kernel}`);
  t.ok(md.includes(json.adapter), 'the adapter is named');
  const same = await cli(['bench', 'kernels', '--quick', '--out', 'k.json', '--md', './k.json']);
  t.equal(same.code, 2, 'the same file for --out and --md is a usage error');
  t.match(same.stderr, /--out and --md name the same file/);
});
