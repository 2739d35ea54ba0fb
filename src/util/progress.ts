// Progress reports of long work (rate and ETA) and the one monotonic clock the library uses.

/** Progress report of long work: phase, done/total units, rate and ETA. */
export interface Progress {
  phase: string;
  done: number;
  total: number;
  /** units per second */
  rate: number;
  /** seconds left, estimated */
  eta: number;
  /** free-form extra values, e.g. loss and validation recall */
  info?: Record<string, number>;
}

/** What every long call takes: a progress sink and a cancellation signal. */
export interface LongWorkOptions {
  onProgress?: (p: Progress) => void;
  /** cancels the work; it throws an AbortError and leaves the index as it was */
  signal?: AbortSignal;
}

/** Milliseconds from a monotonic clock (performance.now where it exists). */
export function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** Turns "done of total" counts into Progress reports with rate and ETA. */
export class ProgressMeter {
  private readonly start = now();
  constructor(private readonly phase: string, private readonly total: number, private readonly sink?: (p: Progress) => void) {}

  report(done: number, info?: Record<string, number>): void {
    if (!this.sink) return;
    const elapsed = Math.max(1e-6, (now() - this.start) / 1000);
    const rate = done / elapsed;
    const eta = rate > 0 ? (this.total - done) / rate : Infinity;
    this.sink({ phase: this.phase, done, total: this.total, rate, eta, ...(info ? { info } : {}) });
  }
}

/** Formats a progress report as one line: "phase 40% 1200/3000 (850/s, ETA 2.1 s) loss=0.1". */
export function formatProgress(p: Progress): string {
  const pct = p.total > 0 ? Math.floor((100 * p.done) / p.total) : 0;
  const eta = Number.isFinite(p.eta) ? `${p.eta.toFixed(1)} s` : '?';
  const info = p.info ? ' ' + Object.entries(p.info).map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(4)}`).join(' ') : '';
  return `${p.phase} ${pct}% ${p.done}/${p.total} (${p.rate.toFixed(1)}/s, ETA ${eta})${info}`;
}
