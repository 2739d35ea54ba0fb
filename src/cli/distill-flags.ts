// The Distill-VQ flags that `train --distill` and `distill` share: each is read as its type, then the library's
// checkDistillOptions checks the values (naming the flag), before any file is read. Flags left out take
// DISTILL_DEFAULTS or, for the tuning ones, the library's defaults (which may depend on the metric and the start).
import { DISTILL_DEFAULTS, checkDistillOptions, checkDistillSizes as checkSizes, type DistillLoss, type DistillOptions, type DistillReport } from '../training/distill/options.js';
import { InputError, UsageError } from '../util/errors.js';
import type { Args } from './args.js';
import { checkAsUsage, flagName } from './command.js';

// Every loss distill() knows; a Record so the compiler flags a loss added to the library but missing here.
const LOSS_NAMES: Record<DistillLoss, true> = { 'listnet': true, 'kl': true, 'mse': true, 'margin-mse': true, 'ranknet': true };
const LOSSES = Object.keys(LOSS_NAMES) as DistillLoss[];

/** The flags read by distillFlags (without --); `train` refuses them without --distill. */
export const DISTILL_FLAGS = ['train-queries', 'loss', 'epochs', 'batch', 'topk', 'no-inbatch', 'temperature',
  'lr-codebooks', 'lr-centroids', 'assign-temperature', 'pseudo-queries', 'learn-rotation', 'lr-rotation'] as const;

/** The usage text of the flags, for the commands' usage lines. */
export const DISTILL_FLAGS_USAGE = `[--train-queries F...] [--loss listnet|kl|mse|margin-mse|ranknet]
                     [--epochs N] [--batch B] [--topk K] [--no-inbatch] [--temperature T]
                     [--lr-codebooks R] [--lr-centroids R] [--assign-temperature T] [--pseudo-queries N]
                     [--learn-rotation [--lr-rotation R]]`;

export type DistillFlagOptions = Omit<DistillOptions, 'base' | 'queries' | 'ids'>;

/** The Distill-VQ options given on the command line, checked (a bad one is a UsageError naming its flag). */
export function distillFlags(a: Args): { opts: DistillFlagOptions; trainQueries: string[] } {
  const trainQueries = a.list('train-queries');
  const opts: DistillFlagOptions = {
    loss: a.choice('loss', LOSSES, DISTILL_DEFAULTS.loss),
    epochs: a.int('epochs', {}, DISTILL_DEFAULTS.epochs),
    batchSize: a.int('batch', {}, DISTILL_DEFAULTS.batchSize),
    topK: a.int('topk', {}, DISTILL_DEFAULTS.topK),
    inBatch: !a.flag('no-inbatch'),
  };
  if (a.flag('learn-rotation')) opts.learnRotation = true;
  else if (a.given('lr-rotation')) throw new UsageError('--lr-rotation only applies with --learn-rotation');
  const tuning = {
    temperature: a.optNum('temperature'), // default: the library's, which depends on the metric
    lrCodebooks: a.optNum('lr-codebooks'),
    lrCentroids: a.optNum('lr-centroids'), // default: the library's, which depends on the start (rotated or not)
    assignTemperature: a.optNum('assign-temperature'), pseudoQueries: a.optInt('pseudo-queries'),
    lrRotation: a.optNum('lr-rotation'),
  };
  for (const [k, v] of Object.entries(tuning)) if (v !== undefined) Object.assign(opts, { [k]: v });
  checkAsUsage(() => checkDistillOptions(opts, flagName));
  return { opts, trainQueries };
}

/** Refuses Distill-VQ flags given to `train` without --distill (they would do nothing). */
export function refuseDistillFlags(a: Args): void {
  const stray = DISTILL_FLAGS.filter((f) => a.given(f));
  if (stray.length) throw new UsageError(`${stray.map((f) => `--${f}`).join(', ')} only ${stray.length === 1 ? 'applies' : 'apply'} with --distill`);
  for (const f of DISTILL_FLAGS) a.list(f); // read, so done() does not call them unknown
}

/** The options that depend on the base's size, checked from its header before any work (InputError naming the flag). */
export function checkDistillSizes(opts: DistillFlagOptions, n: number, what: string): void {
  checkSizes(opts, n, flagName, `vectors of ${what}`);
}

/** The outcome of a distillation on stderr, whatever --quiet says: a run that gained nothing must not pass unnoticed. */
export function printDistillOutcome(report: DistillReport): void {
  process.stderr.write(`[distill-vq] distill ${describeStart(report)}: ${report.message}\n`);
}

/** The start of a distillation in words, with what it implied for the IVF centroids. */
export function describeStart(report: Pick<DistillReport, 'start' | 'lrCentroids'>): string {
  const where = report.start === 'rotated' ? 'from a rotated (OPQ) start' : 'from a plain k-means start (no rotation)';
  return `${where}, IVF centroids ${report.lrCentroids === 0 ? 'frozen' : `learned (lr ${report.lrCentroids})`}`;
}
