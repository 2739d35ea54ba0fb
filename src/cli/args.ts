// The command line's argument parser: `--flag v1 v2 ...` collects every value up to the next flag, `--flag=v` gives
// one value, `--switch` alone is on. A command reads every option it knows through Args, which checks the type and
// range of each value as it is read; done() then refuses unknown options and extra positional arguments. A
// command reads all its options before it does any work, so a bad value fails at once with a UsageError (exit 2).
import { UsageError } from '../util/errors.js';

export interface ParsedArgs {
  positional: string[];
  flags: Map<string, string[]>;
}

export function parseArgs(argv: string[]): ParsedArgs {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  let current: string[] | null = null;
  for (const a of argv) {
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      current = flags.get(name) ?? [];
      flags.set(name, current);
      if (eq >= 0) { current.push(a.slice(eq + 1)); current = null; }
    } else if (current) current.push(a);
    else positional.push(a);
  }
  return { positional, flags };
}

/** Bounds of a numeric option; `gt` is an exclusive lower bound. */
export interface Range {
  min?: number;
  max?: number;
  gt?: number;
}

function describeRange(r: Range, integer: boolean): string {
  const parts: string[] = [];
  if (r.gt !== undefined) parts.push(`> ${r.gt}`);
  if (r.min !== undefined) parts.push(`>= ${r.min}`);
  if (r.max !== undefined) parts.push(`<= ${r.max}`);
  return `${integer ? 'an integer' : 'a number'}${parts.length ? ' ' + parts.join(' and ') : ''}`;
}

export class Args {
  private readonly used = new Set<string>();
  /**
   * @param parsed the parsed command line, less the command name
   * @param operands the positional arguments the command takes after its name (e.g. `bench kernels`: 1)
   */
  constructor(private readonly parsed: ParsedArgs, private readonly operands = 0) {}

  private fail(msg: string): never { throw new UsageError(msg); }

  /** The positional arguments after the command name (at most `operands` of them are accepted by done()). */
  get positional(): readonly string[] { return this.parsed.positional; }

  /** Whether an option was given at all (with or without values). */
  given(name: string): boolean { return this.parsed.flags.has(name); }

  /** A switch: true when given; a value after it is refused (`--opq yes` would otherwise swallow a word). */
  flag(name: string): boolean {
    this.used.add(name);
    const v = this.parsed.flags.get(name);
    if (v && v.length) this.fail(`--${name} takes no value, got '${v.join(' ')}'`);
    return v !== undefined;
  }

  /** Every value given to the option (several files after one flag); `required` refuses none. */
  list(name: string, required = false): string[] {
    this.used.add(name);
    const v = this.parsed.flags.get(name);
    if (v && v.length === 0) this.fail(`--${name} needs a value`);
    if (!v && required) this.fail(`--${name} is required`);
    return v ?? [];
  }

  str(name: string): string | undefined;
  str(name: string, fallback: string): string;
  str(name: string, fallback?: string): string | undefined {
    const v = this.list(name);
    if (v.length > 1) this.fail(`--${name} takes one value, got ${v.length}: ${v.join(' ')}`);
    if (v[0] === '') this.fail(`--${name} needs a non-empty value`);
    return v[0] ?? fallback;
  }

  /** A required single value. */
  req(name: string): string {
    const v = this.str(name);
    if (v === undefined) this.fail(`--${name} is required`);
    return v;
  }

  /** One of `choices`; `fallback` when the option is not given. */
  choice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
    const v = this.str(name, fallback);
    if (!(choices as readonly string[]).includes(v)) this.fail(`--${name} must be one of ${choices.join(', ')}, got '${v}'`);
    return v as T;
  }

  private number(name: string, integer: boolean, range: Range): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    const x = v.trim() === '' ? NaN : Number(v);
    const ok = (integer ? Number.isSafeInteger(x) : Number.isFinite(x))
      && (range.min === undefined || x >= range.min) && (range.max === undefined || x <= range.max)
      && (range.gt === undefined || x > range.gt);
    if (!ok) this.fail(`--${name} must be ${describeRange(range, integer)}, got '${v}'`);
    return x;
  }

  /** An integer in `range`; `fallback` when not given (required when there is no fallback). */
  int(name: string, range: Range = {}, fallback?: number): number {
    const x = this.number(name, true, range) ?? fallback;
    if (x === undefined) this.fail(`--${name} is required`);
    return x;
  }

  /** A finite number in `range`; `fallback` when not given (required when there is no fallback). */
  num(name: string, range: Range = {}, fallback?: number): number {
    const x = this.number(name, false, range) ?? fallback;
    if (x === undefined) this.fail(`--${name} is required`);
    return x;
  }

  /** An integer in `range` when given, else undefined (the library's default applies). */
  optInt(name: string, range: Range = {}): number | undefined { return this.number(name, true, range); }

  /** A number in `range` when given, else undefined (the library's default applies). */
  optNum(name: string, range: Range = {}): number | undefined { return this.number(name, false, range); }

  /** Refuses options the command did not read (typos are not ignored) and positional arguments beyond its operands. */
  done(): void {
    const unknown = [...this.parsed.flags.keys()].filter((k) => !this.used.has(k));
    if (unknown.length) this.fail(`unknown option ${unknown.map((u) => `--${u}`).join(', ')}`);
    const extra = this.parsed.positional.slice(this.operands);
    if (extra.length) {
      this.fail(`unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((x) => `'${x}'`).join(' ')} (options start with --; a flag's values follow it)`);
    }
  }
}
