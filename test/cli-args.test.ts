// The CLI's argument parser in process: values and switches, typed and range-checked reads, refusal of unknown
// options, valued switches and extra positional arguments, all as UsageErrors (exit code 2 in the CLI).
import t, { type Test } from 'tap';
import { Args, parseArgs } from '../src/cli/args.js';
import { UsageError, DvqError } from '../src/util/errors.js';

const args = (line: string, operands = 0) => {
  const p = parseArgs(line.split(' ').filter((s) => s.length > 0));
  return new Args(p, operands);
};
const usageIn = (t: Test) => (fn: () => unknown, re: RegExp, what: string) => {
  let err: unknown = null;
  try { fn(); } catch (e) { err = e; }
  t.ok(err instanceof UsageError && err instanceof DvqError, `${what}: a UsageError`);
  t.equal((err as UsageError | null)?.code, 'E_USAGE', `${what}: code E_USAGE`);
  t.match((err as Error | null)?.message ?? '', re, what);
};

t.test('parseArgs: values follow their flag, --flag=value gives one value, the rest is positional', async (t) => {
  const p = parseArgs(['kernels', '--base', 'a.fvecs', 'b.fvecs', '--quick', '--out=x=y.json', '--k', '-5']);
  t.same(p.positional, ['kernels']);
  t.same(p.flags.get('base'), ['a.fvecs', 'b.fvecs']);
  t.same(p.flags.get('quick'), []);
  t.same(p.flags.get('out'), ['x=y.json'], 'only the first = splits');
  t.same(p.flags.get('k'), ['-5'], 'a negative number is a value');
});

t.test('typed reads check types and ranges', async (t) => {
  const usage = usageIn(t);
  const a = args('--lists 8 --m 4 --temp 0.05 --lr 0 --bits 4 --seed 12');
  t.equal(a.int('lists', { min: 1 }), 8);
  t.equal(a.int('m', { min: 1 }, 2), 4);
  t.equal(a.int('epochs', { min: 1 }, 3), 3, 'the fallback when not given');
  t.equal(a.num('temp', { gt: 0 }), 0.05);
  t.equal(a.optNum('lr', { min: 0 }), 0, 'zero is in [0, inf)');
  t.equal(a.optNum('absent', { min: 0 }), undefined);
  t.equal(a.choice('bits', ['8', '4'], '8'), '4');
  t.equal(a.choice('metric', ['ip', 'l2'], 'ip'), 'ip');
  t.equal(a.optInt('seed', { min: 0, max: 2 ** 32 - 1 }), 12);
  a.done();
  usage(() => args('--lists 0').int('lists', { min: 1 }), /--lists must be an integer >= 1, got '0'/, 'below the minimum');
  usage(() => args('--lists 2.5').int('lists', { min: 1 }), /--lists must be an integer >= 1, got '2\.5'/, 'not an integer');
  usage(() => args('--lists 1e400').int('lists', { min: 1 }), /must be an integer/, 'not finite');
  usage(() => args('--k 2000').int('k', { min: 1, max: 1024 }), /--k must be an integer >= 1 and <= 1024/, 'above the maximum');
  usage(() => args('--t 0').num('t', { gt: 0 }), /--t must be a number > 0, got '0'/, 'exclusive bound');
  usage(() => args('--t NaN').num('t', { gt: 0 }), /must be a number > 0, got 'NaN'/, 'NaN');
  usage(() => args('--t -Infinity').num('t'), /must be a number, got '-Infinity'/, 'infinite');
  usage(() => args('--t=').num('t'), /--t needs a non-empty value/, 'empty value');
  usage(() => args('--t').num('t', {}, 1), /--t needs a value/, 'flag without its value');
  usage(() => args('').int('lists', { min: 1 }), /--lists is required/, 'required');
  usage(() => args('--bits 3').choice('bits', ['8', '4'], '8'), /--bits must be one of 8, 4, got '3'/, 'not a choice');
  usage(() => args('--out a b').str('out'), /--out takes one value, got 2: a b/, 'two values for one');
});

t.test('switches take no value; done() refuses unknown options and extra positional arguments', async (t) => {
  const usage = usageIn(t);
  t.equal(args('--opq').flag('opq'), true);
  t.equal(args('').flag('opq'), false);
  usage(() => args('--opq yes').flag('opq'), /--opq takes no value, got 'yes'/, 'a valued switch');
  const a = args('--base x --typo 3');
  a.list('base', true);
  usage(() => a.done(), /unknown option --typo/, 'unknown option');
  usage(() => args('stray').done(), /unexpected argument 'stray'/, 'extra positional');
  const b = args('kernels --quick', 1);
  t.same(b.positional, ['kernels']);
  b.flag('quick');
  b.done();
  usage(() => { const c = args('kernels more', 1); c.done(); }, /unexpected argument 'more'/, 'beyond the operands');
  usage(() => args('').list('base', true), /--base is required/, 'required list');
  t.same(args('--base a b c').list('base', true), ['a', 'b', 'c']);
  t.ok(args('--epochs 2').given('epochs'), 'given() sees an option without reading it');
});
