// What the commands in their own files (cmd-*.ts) share with main.ts: the result type, the progress printer, an
// engine disposed on every path, file arguments and the option-check adapter.
import { createEngine } from '../node/create.js';
import type { Engine, EngineOptions } from '../pipeline/engine.js';
import { formatProgress, now, type Progress } from '../util/progress.js';
import { InputError, UsageError } from '../util/errors.js';
import type { FileArg } from './files.js';

/** A command's result: printed as one JSON object with --json, else as a key=value summary line. */
export type Result = Record<string, unknown>;

/** Progress lines on stderr, at most two a second (and the last one), none when `quiet`. */
export function progressPrinter(quiet: boolean): (p: Progress) => void {
  let last = 0;
  return (p) => {
    if (quiet) return;
    const t = now();
    if (t - last < 500 && p.done < p.total) return;
    last = t;
    process.stderr.write(`[distill-vq] ${formatProgress(p)}\n`);
  };
}

/** Runs `work` with a new engine that is disposed however `work` ends. */
export async function withEngine<T>(opts: EngineOptions, work: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await createEngine(opts);
  try {
    return await work(engine);
  } finally {
    engine.dispose();
  }
}

/** The file arguments of one flag. */
export const files = (flag: string, paths: readonly string[]): FileArg[] => paths.map((path) => ({ flag, path }));

/** Runs a library check of options (the one rule of each option): its InputError is a usage error (exit 2). */
export function checkAsUsage(check: () => void): void {
  try {
    check();
  } catch (e) {
    if (e instanceof InputError) throw new UsageError(e.message, { cause: e });
    throw e;
  }
}
