// A small argument parser: `--flag v1 v2 ...` collects every value up to the next flag, `--switch` alone is true.

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
      const [name, inline] = a.slice(2).split('=', 2) as [string, string | undefined];
      current = flags.get(name) ?? [];
      flags.set(name, current);
      if (inline !== undefined) { current.push(inline); current = null; }
    } else if (current) current.push(a);
    else positional.push(a);
  }
  return { positional, flags };
}

export class Args {
  private readonly used = new Set<string>();
  constructor(private readonly parsed: ParsedArgs, private readonly command: string) {}

  has(name: string): boolean { this.used.add(name); return this.parsed.flags.has(name); }

  list(name: string, required = false): string[] {
    this.used.add(name);
    const v = this.parsed.flags.get(name);
    if ((!v || v.length === 0) && required) throw new UsageError(`${this.command}: --${name} is required`);
    return v ?? [];
  }

  str(name: string): string | undefined;
  str(name: string, fallback: string): string;
  str(name: string, fallback?: string): string | undefined {
    const v = this.list(name);
    if (v.length > 1) throw new UsageError(`${this.command}: --${name} takes one value, got ${v.length}`);
    return v[0] ?? fallback;
  }

  req(name: string): string {
    const v = this.str(name);
    if (v === undefined) throw new UsageError(`${this.command}: --${name} is required`);
    return v;
  }

  int(name: string, fallback?: number): number {
    const v = this.str(name);
    if (v === undefined) {
      if (fallback === undefined) throw new UsageError(`${this.command}: --${name} is required`);
      return fallback;
    }
    const x = Number(v);
    if (!Number.isInteger(x)) throw new UsageError(`${this.command}: --${name} must be an integer, got '${v}'`);
    return x;
  }

  num(name: string, fallback: number): number {
    const v = this.str(name);
    if (v === undefined) return fallback;
    const x = Number(v);
    if (!Number.isFinite(x)) throw new UsageError(`${this.command}: --${name} must be a number, got '${v}'`);
    return x;
  }

  /** A number when the flag is given, else undefined (the library's default applies). */
  optNum(name: string): number | undefined {
    return this.str(name) === undefined ? undefined : this.num(name, NaN);
  }

  /** Throws on flags the command does not know (typos should not be silently ignored). */
  done(): void {
    const unknown = [...this.parsed.flags.keys()].filter((k) => !this.used.has(k));
    if (unknown.length) throw new UsageError(`${this.command}: unknown option ${unknown.map((u) => `--${u}`).join(', ')}`);
  }
}

export class UsageError extends Error {
  constructor(msg: string) { super(msg); this.name = 'UsageError'; }
}
