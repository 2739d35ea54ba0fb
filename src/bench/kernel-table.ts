// Text and markdown tables of a kernel benchmark report.
import type { KernelBenchReport, KernelCaseResult } from './kernel-report.js';

function ms(x: number | null): string {
  if (x === null) return '-';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

function num(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

/** "2.91 GFLOP/s", "1.20 GB/s", "0.41 Glookup/s" or "35.2 ns/barrier" (all that a case states). */
export function throughput(c: KernelCaseResult): string {
  const parts: string[] = [];
  if (c.gflops !== undefined) parts.push(`${num(c.gflops)} GFLOP/s`);
  if (c.gbps !== undefined) parts.push(`${num(c.gbps)} GB/s`);
  if (c.glookups !== undefined) parts.push(`${num(c.glookups)} Glookup/s`);
  if (c.nsPerBarrier !== undefined) parts.push(`${num(c.nsPerBarrier)} ns/barrier`);
  return parts.join(', ');
}

/** "42.0% of stream" (the case's share of its declared bound), or "-" when there is none. */
export function boundShareText(c: KernelCaseResult): string {
  if (c.bound === undefined || c.boundShare === undefined) return c.bound ? `${c.bound} (no probe)` : '-';
  return `${(100 * c.boundShare).toFixed(c.boundShare >= 0.1 ? 0 : 1)}% of ${c.bound}`;
}

function loadText(r: KernelBenchReport): string {
  const f = (l: number[] | undefined) => (l ? l.map((x) => x.toFixed(2)).join(' ') : '?');
  return r.host.loadAverageStart || r.host.loadAverageEnd ? `load average ${f(r.host.loadAverageStart)} at start, ${f(r.host.loadAverageEnd)} at end` : 'load average not read';
}

function pad(rows: string[][]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((s, i) => s.padEnd(w[i]!)).join('  ').trimEnd()).join('\n');
}

/** A readable fixed-width table with a header naming the adapter and timing method. */
export function formatKernelTable(r: KernelBenchReport): string {
  const head = ['kernel', 'size', 'reps', 'gpu ms', 'wall ms', 'throughput', 'of bound', 'work'];
  const row = (c: KernelCaseResult) => [c.kernel, c.size, String(c.reps), ms(c.gpuMs), ms(c.wallMs), `${throughput(c)} (${c.basis})`, boundShareText(c), c.work.formula];
  const rows = [head, ...r.probes.map(row), ...(r.probes.length ? [head.map(() => '')] : []), ...r.cases.map(row)];
  return [
    `kernel benchmarks${r.quick ? ' (quick)' : ''} on ${r.adapter}${r.host.machine ? `; machine: ${r.host.machine}` : ''}`,
    `timing: ${r.timing === 'wall' ? 'wall clock (no timestamp queries)' : 'median GPU time from timestamp queries, and wall clock'}; ${r.timestamp}; ${loadText(r)}`,
    pad(rows),
  ].join('\n');
}

/** A short markdown table (kernel, size, median ms, throughput, adapter). */
export function formatKernelMarkdown(r: KernelBenchReport, machine: string): string {
  const lines = [
    '| kernel | size | median GPU ms | median wall ms | throughput | of bound | work formula |',
    '|---|---|---:|---:|---|---|---|',
  ];
  for (const c of [...r.probes, ...r.cases]) {
    lines.push(`| ${c.kernel} | ${c.size} | ${ms(c.gpuMs)} | ${ms(c.wallMs)} | ${throughput(c)} | ${boundShareText(c)} | ${c.work.formula} |`);
  }
  return [`Adapter: ${r.adapter}. Machine: ${machine}. Run: ${r.timestamp}; ${loadText(r)}.`, '', ...lines].join('\n');
}
