// Text and markdown tables of a kernel benchmark report.
import type { KernelBenchReport, KernelCaseResult } from './kernel-report.js';

function ms(x: number | null): string {
  if (x === null) return '-';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

function num(x: number): string {
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3);
}

/** "2.91 GFLOP/s" or "1.20 GB/s" (both when a case states both). */
export function throughput(c: KernelCaseResult): string {
  const parts: string[] = [];
  if (c.gflops !== undefined) parts.push(`${num(c.gflops)} GFLOP/s`);
  if (c.gbps !== undefined) parts.push(`${num(c.gbps)} GB/s`);
  return parts.join(', ');
}

function pad(rows: string[][]): string {
  const w = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((s, i) => s.padEnd(w[i]!)).join('  ').trimEnd()).join('\n');
}

/** A readable fixed-width table with a header naming the adapter and timing method. */
export function formatKernelTable(r: KernelBenchReport): string {
  const rows = [['kernel', 'size', 'reps', 'gpu ms', 'wall ms', 'throughput', 'work']];
  for (const c of r.cases) {
    rows.push([c.kernel, c.size, String(c.reps), ms(c.gpuMs), ms(c.wallMs), `${throughput(c)} (${c.basis})`, c.work.formula]);
  }
  return [
    `kernel benchmarks${r.quick ? ' (quick)' : ''} on ${r.adapter}`,
    `timing: ${r.timing === 'wall' ? 'wall clock (no timestamp queries)' : 'median GPU time from timestamp queries, and wall clock'}; ${r.timestamp}`,
    pad(rows),
  ].join('\n');
}

/** A short markdown table (kernel, size, median ms, throughput, adapter). */
export function formatKernelMarkdown(r: KernelBenchReport, machine: string): string {
  const lines = [
    '| kernel | size | median GPU ms | median wall ms | throughput | work formula |',
    '|---|---|---:|---:|---|---|',
  ];
  for (const c of r.cases) lines.push(`| ${c.kernel} | ${c.size} | ${ms(c.gpuMs)} | ${ms(c.wallMs)} | ${throughput(c)} | ${c.work.formula} |`);
  return [`Adapter: ${r.adapter}. Machine: ${machine}. Run: ${r.timestamp}.`, '', ...lines].join('\n');
}
