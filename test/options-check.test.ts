// The one rule of each option and the value limits of inputs, without a GPU: checkIndexOptions, checkSearchOptions
// and checkDistillOptions (which the constructor, search(), distill() and the CLI all apply), resolveOptions checking
// every option before it looks at the data, and toMatrix's norm limit.
import t from 'tap';
import { checkIndexOptions, checkSearchOptions, toMatrix } from '../src/index/validate.js';
import { DISTILL_DEFAULTS, checkDistillOptions, resolveOptions, startDefaults } from '../src/training/distill/options.js';
import { INDEX_LIMITS, VALUE_LIMITS } from '../src/io/ivfpq-data.js';
import { parseDvqHeader, toBytes } from '../src/io/dvq-format.js';
import { randomIvfPq } from './fixtures/random-ivfpq.js';
import { rng } from './helpers.js';
import { InputError, DvqFormatError } from '../src/util/errors.js';

const flag = (o: string): string => `--${o}`;

t.test('index and search options', async (t) => {
  t.doesNotThrow(() => checkIndexOptions({ nlist: INDEX_LIMITS.maxNlist, m: 8 }), 'nlist at the limit');
  t.throws(() => checkIndexOptions({ nlist: INDEX_LIMITS.maxNlist + 1, m: 8 }), { name: 'InputError', message: 'nlist must be an integer in [1, 1048576], got 1048577' });
  t.throws(() => checkIndexOptions({ nlist: 0, m: 8 }, flag), { message: '--nlist must be an integer in [1, 1048576], got 0' }, 'named as the caller names it');
  t.throws(() => checkIndexOptions({ nlist: 4, m: 2.5 }), /m must be an integer in \[1, 65536\], got 2\.5/);
  t.throws(() => checkIndexOptions({ dim: 16, nlist: 4, m: 5 }), { name: 'InputError', message: 'dim 16 is not divisible by m 5' });
  t.throws(() => checkIndexOptions({ dim: 16, nlist: 4, m: 32 }), /m must be an integer in \[1, 16\], got 32/);
  t.throws(() => checkIndexOptions({ dim: 65537, nlist: 4, m: 1 }), /dim must be an integer in \[1, 65536\]/);
  t.throws(() => checkIndexOptions({ nlist: 4, m: 4, bits: 6 }), /bits must be 8 or 4, got 6/);
  t.throws(() => checkIndexOptions({ nlist: 4, m: 4, metric: 'cosine' }), /metric must be 'ip' or 'l2', got 'cosine'/);
  t.doesNotThrow(() => checkSearchOptions({ k: 1024, nprobe: 1 }));
  t.throws(() => checkSearchOptions({ k: 1025, nprobe: 1 }), { name: 'InputError', message: 'k must be an integer in [1, 1024], got 1025' });
  t.throws(() => checkSearchOptions({ k: 5, nprobe: 0 }, flag), { message: '--nprobe must be an integer >= 1, got 0' });
  // the .dvq header and the index share the nlist limit
  const h = toBytes(randomIvfPq(rng(1))).slice(0, 64);
  new DataView(h.buffer).setUint32(20, INDEX_LIMITS.maxNlist + 1, true);
  t.throws(() => parseDvqHeader(h), DvqFormatError);
  t.throws(() => parseDvqHeader(h), /dvq: nlist 1048577 out of range 1\.\.1048576/);
});

t.test('distill options: one rule each, named as the caller names them', async (t) => {
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ loss: 'hinge' }, /^--loss: unknown loss 'hinge'/],
    [{ epochs: 0 }, /^--epochs must be an integer in \[1, 1000\], got 0$/],
    [{ batchSize: 5000 }, /^--batchSize must be an integer in \[1, 4096\], got 5000$/],
    [{ topK: 0 }, /^--topK must be an integer in \[1, 1024\], got 0$/],
    [{ pseudoQueries: -1 }, /^--pseudoQueries must be an integer >= 0, got -1$/],
    [{ validationQueries: 1.5 }, /^--validationQueries must be an integer >= 0/],
    [{ validationNprobe: 0 }, /^--validationNprobe must be an integer >= 1/],
    [{ temperature: 0 }, /^--temperature must be a finite number > 0 or 'auto', got 0$/],
    [{ temperature: Infinity }, /^--temperature must be a finite number > 0 or 'auto', got Infinity$/],
    [{ assignTemperature: -1 }, /^--assignTemperature must be a finite number > 0 or 'auto', got -1$/],
    [{ assignTemperatureScale: 0 }, /^--assignTemperatureScale must be a finite number > 0/],
    [{ lrCodebooks: -1e-3 }, /^--lrCodebooks must be a finite number >= 0, got -0\.001$/],
    [{ lrCentroids: NaN }, /^--lrCentroids must be a finite number >= 0, got NaN$/],
    [{ ivfWeight: -1 }, /^--ivfWeight must be a finite number >= 0/],
    [{ warmup: 1.5 }, /^--warmup must be a fraction in \[0, 1\], got 1\.5$/],
    [{ centroidOptimizer: 'adam' }, /^--centroidOptimizer must be 'sgd' or 'adamw', got 'adam'$/],
    [{ inBatch: 'yes' }, /^--inBatch must be true or false, got yes$/],
  ];
  for (const [opts, re] of bad) t.throws(() => checkDistillOptions(opts, flag), { name: 'InputError', message: re }, JSON.stringify(opts));
  t.doesNotThrow(() => checkDistillOptions({ epochs: 1000, batchSize: 4096, topK: 1024, temperature: 1e-9, lrScale: 'auto', assignTemperature: 'auto', warmup: 0, ivfWeight: 'auto' }), 'the bounds are accepted');
  t.throws(() => checkDistillOptions({ epochs: 0 }), /^distill: epochs must be an integer/, 'the library names them "distill: <option>"');
  // resolveOptions checks the options before it looks at the vectors (a NaN base would fail later)
  const base = new Float32Array(64).fill(NaN);
  t.throws(() => resolveOptions({ dim: 8, nlist: 2 }, { base, warmup: 2 }), /distill: warmup must be a fraction/, 'options first');
  t.throws(() => resolveOptions({ dim: 8, nlist: 2 }, { base }), /distill base: row 0 column 0 is NaN/, 'then the data');
  const ok = new Float32Array(80).fill(0.5);
  t.throws(() => resolveOptions({ dim: 8, nlist: 2 }, { base: ok, topK: 11 }), /distill: topK 11 is more than the 10 base vectors/, 'then the bounds that need the data');
  t.equal(resolveOptions({ dim: 8, nlist: 2 }, { base: ok, topK: 10 }).topK, 10);
});

t.test('distill defaults that depend on the start: centroids frozen from a rotated (OPQ) start unless set', async (t) => {
  const base = new Float32Array(20 * 4);
  const at = (rotated: boolean | undefined, o: { lrCentroids?: number } = {}) => resolveOptions({ dim: 4, nlist: 2, rotated }, { base, topK: 5, ...o });
  t.same([at(true).start, at(true).lrCentroids], ['rotated', DISTILL_DEFAULTS.lrCentroidsRotated], 'rotated: lrCentroidsRotated');
  t.equal(DISTILL_DEFAULTS.lrCentroidsRotated, 0, 'which is 0 (frozen)');
  t.same([at(false).start, at(false).lrCentroids], ['plain', DISTILL_DEFAULTS.lrCentroids], 'plain: lrCentroids');
  t.same([at(undefined).start, at(undefined).lrCentroids], ['plain', 1e-4], 'no rotation said: plain');
  t.equal(at(true, { lrCentroids: 3e-5 }).lrCentroids, 3e-5, 'a rate the caller sets is kept from a rotated start');
  t.equal(at(false, { lrCentroids: 0 }).lrCentroids, 0, 'and from a plain one');
  t.same(startDefaults('rotated'), { lrCentroids: 0 }, 'startDefaults says the same');
  t.same(startDefaults('plain'), { lrCentroids: 1e-4 });
});

t.test('input vectors: finite and within the norm limit 2^60 / dim', async (t) => {
  for (const dim of [1, 7, 768]) {
    const max = VALUE_LIMITS.inputNorm(dim);
    t.equal(max, 2 ** 60 / dim);
    const x = new Float32Array(2 * dim);
    x[0] = max * 0.999; // row 0 within the limit
    x[dim] = max * 1.01; // row 1 over it
    t.doesNotThrow(() => toMatrix(x.subarray(0, dim), dim, 'v'), `dim ${dim}: a row just under the limit`);
    t.throws(() => toMatrix(x, dim, 'v'), { name: 'InputError', message: /^v: row 1 has norm [\d.e+]+, over the limit 2\^60 \/ dim/ }, `dim ${dim}: a row over the limit`);
  }
  t.throws(() => toMatrix([[1, Infinity]], 2, 'q'), { name: 'InputError', message: 'q: row 0 column 1 is Infinity (NaN or Infinity)' });
  t.throws(() => toMatrix('x' as never, 2, 'q'), InputError);
});
