#!/usr/bin/env node
// Writes the markdown report of a kernel benchmark JSON (bench kernels --out): the roofline probes, then every
// kernel with its share of its declared bound. Usage: node report.mjs KERNELS.json OUT.md (run from the app dir
// that run.sh assembles, or from the repository root after `npm run build`).
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { formatKernelMarkdown } from '../../dist/index.js';

const [input, output] = process.argv.slice(2);
if (!input || !output) { process.stderr.write('usage: node report.mjs KERNELS.json OUT.md\n'); process.exit(2); }
const json = JSON.parse(readFileSync(input, 'utf8'));
const f = (x, unit) => (x === undefined ? '-' : `${x >= 100 ? x.toFixed(0) : x.toPrecision(3)} ${unit}`);
const roof = json.roofline ?? {};
const lines = [
  `# Kernel benchmark${json.quick ? ' (quick sizes)' : ''}`,
  '',
  formatKernelMarkdown(json, json.host?.machine ?? 'not recorded'),
  '',
  '## Roofline of this adapter (probes, same run)',
  '',
  '| bound | rate |',
  '|---|---|',
  `| stream (vec4 loads) | ${f(roof.streamVec4GBps, 'GB/s')} |`,
  `| stream (u32 loads) | ${f(roof.streamU32GBps, 'GB/s')} |`,
  ...Object.entries(roof.gatherGLookups ?? {}).map(([t, v]) => `| gather, ${t} table | ${f(v, 'Glookup/s')} |`),
  `| vec4 FMA | ${f(roof.fmaGflops, 'GFLOP/s')} |`,
  `| workgroup barrier | ${f(roof.nsPerBarrier, 'ns per barrier (all workgroups in flight)')} |`,
  '',
];
writeFileSync(output + '.tmp', lines.join('\n'));
renameSync(output + '.tmp', output);
