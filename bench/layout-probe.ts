// Probe of dense-product layouts on a software adapter, each timed interleaved with scores() and the vec4 FMA probe
// (kernels generated here, not part of the library). Variants: xt-* (X stored transposed, lanes on contiguous
// columns, uniform query loads), xt-unr (fully unrolled depth), rt QaXb (a x b register tiles on row-major vec4
// rows; `hoist` / `loadonly` split the time into products and loads), rt sg / sg16 / sg24 / sg32 (query vec4s
// loaded once per 8-lane subgroup and shared by subgroupBroadcast). 'qx': the query block on workgroup_id.x.
// Each variant is checked bit for bit against scores() on the first 4 query rows.
// Usage: npx tsx bench/layout-probe.ts [--nq 512] [--n 8192] [--d 128] [--reps 3] [--only "sg16 X4 qx,rt Q8X8"]
import { createEngine } from '../src/node/create.js';
import { scores } from '../src/kernels/scores.js';
import { probeFma } from '../src/kernels/probes.js';
import type { Kernel } from '../src/shaders/kernel-types.js';

function handle(name: string, source: string, bindings: string[]): Kernel<string, any, string> {
  return {
    name, source, entryPoint: 'main',
    bindings: [{ name: 'params', binding: 0, kind: 'uniform' }, ...bindings.map((b, i) => ({ name: b, binding: i + 1, kind: (b === 'out' ? 'storage' : 'read-only-storage') as any }))],
    params: { binding: 0, size: 16, fields: ['nq', 'n', 'd', 'metric'].map((f, i) => ({ name: f, offset: 4 * i, type: 'u32' as const, count: 1 })) },
    overrides: {}, workgroup: [],
  } as any;
}
const HDR = `struct Params { nq: u32, n: u32, d: u32, metric: u32 }
@group(0) @binding(0) var<uniform> params: Params;`;
// xt scalar: xt is d x n (row k = column values), lane owns C columns lid + 64 t, R uniform queries
function xtScalar(R: number, C: number, WG: number): string {
  const accs = [], body = [], outs = [];
  for (let r = 0; r < R; r++) for (let t = 0; t < C; t++) accs.push(`var a${r}_${t} = 0.0;`);
  for (let t = 0; t < C; t++) body.push(`let x${t} = xt[row + c${t}];`);
  for (let r = 0; r < R; r++) { body.push(`let qv${r} = q[(q0 + ${r}u) * d + k];`); for (let t = 0; t < C; t++) body.push(`a${r}_${t} = fma(qv${r}, x${t}, a${r}_${t});`); }
  for (let r = 0; r < R; r++) for (let t = 0; t < C; t++) outs.push(`if (q0 + ${r}u < params.nq && cc${t} < n) { out[(q0 + ${r}u) * n + cc${t}] = a${r}_${t}; }`);
  return `${HDR}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> xt: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  SWAP
  let n = params.n; let d = params.d;
  let q0 = WQ * ${R}u;
  let base = WC * ${WG * C}u + lid;
  ${Array.from({ length: C }, (_, t) => `let cc${t} = base + ${WG * t}u; let c${t} = min(cc${t}, n - 1u);`).join('\n  ')}
  ${accs.join(' ')}
  for (var k = 0u; k < d; k++) {
    let row = k * n;
    ${body.join('\n    ')}
  }
  ${outs.join('\n  ')}
}`;
}
// xt vec4 lanes: xt4 is d x (n/4) vec4, lane owns vec4 column groups; Q uniform scalars
function xtVec4(R: number, C: number, WG: number): string {
  const accs = [], body = [], outs = [];
  for (let r = 0; r < R; r++) for (let t = 0; t < C; t++) accs.push(`var a${r}_${t} = vec4<f32>();`);
  for (let t = 0; t < C; t++) body.push(`let x${t} = xt[row + c${t}];`);
  for (let r = 0; r < R; r++) { body.push(`let qv${r} = vec4<f32>(q[(q0 + ${r}u) * d + k]);`); for (let t = 0; t < C; t++) body.push(`a${r}_${t} = fma(qv${r}, x${t}, a${r}_${t});`); }
  for (let r = 0; r < R; r++) for (let t = 0; t < C; t++) outs.push(`if (q0 + ${r}u < params.nq) { for (var e = 0u; e < 4u; e++) { let cc = cc${t} * 4u + e; if (cc < n) { out[(q0 + ${r}u) * n + cc] = a${r}_${t}[e]; } } }`);
  return `${HDR}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> xt: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  SWAP
  let n = params.n; let d = params.d; let n4 = (n + 3u) / 4u;
  let q0 = WQ * ${R}u;
  let base = WC * ${WG * C}u + lid;
  ${Array.from({ length: C }, (_, t) => `let cc${t} = base + ${WG * t}u; let c${t} = min(cc${t}, n4 - 1u);`).join('\n  ')}
  ${accs.join(' ')}
  for (var k = 0u; k < d; k++) {
    let row = k * n4;
    ${body.join('\n    ')}
  }
  ${outs.join('\n  ')}
}`;
}
// xt with vec4 uniform Q loads (4 k steps per iteration), lane owns C scalar columns
function xtScalarQ4(R: number, C: number, WG: number): string {
  const accs = [], body = [], outs = [];
  for (let r = 0; r < R; r++) for (let t = 0; t < C; t++) accs.push(`var a${r}_${t} = 0.0;`);
  for (let r = 0; r < R; r++) body.push(`let qv${r} = q[(q0 + ${r}u) * d4 + k4];`);
  for (let e = 0; e < 4; e++) {
    for (let t = 0; t < C; t++) body.push(`let x${t}_${e} = xt[row + ${e}u * n + c${t}];`);
    for (let r = 0; r < R; r++) for (let t = 0; t < C; t++) body.push(`a${r}_${t} = fma(qv${r}[${e}], x${t}_${e}, a${r}_${t});`);
  }
  for (let r = 0; r < R; r++) for (let t = 0; t < C; t++) outs.push(`if (q0 + ${r}u < params.nq && cc${t} < n) { out[(q0 + ${r}u) * n + cc${t}] = a${r}_${t}; }`);
  return `${HDR}
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> xt: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  SWAP
  let n = params.n; let d4 = params.d / 4u;
  let q0 = WQ * ${R}u;
  let base = WC * ${WG * C}u + lid;
  ${Array.from({ length: C }, (_, t) => `let cc${t} = base + ${WG * t}u; let c${t} = min(cc${t}, n - 1u);`).join('\n  ')}
  ${accs.join(' ')}
  for (var k4 = 0u; k4 < d4; k4++) {
    let row = k4 * 4u * n;
    ${body.join('\n    ')}
  }
  ${outs.join('\n  ')}
}`;
}

// fully unrolled over d (no loop, no control flow around the loads)
function xtUnrolled(R: number, C: number, WG: number, D: number): string {
  const accs = [], body = [], outs = [];
  for (let r = 0; r < R; r++) for (let t = 0; t < C; t++) accs.push(`var a${r}_${t} = 0.0;`);
  for (let k = 0; k < D; k++) {
    for (let t = 0; t < C; t++) body.push(`let x${k}_${t} = xt[${k}u * n + c${t}];`);
    for (let r = 0; r < R; r++) { body.push(`let qv${k}_${r} = q[(q0 + ${r}u) * ${D}u + ${k}u];`); for (let t = 0; t < C; t++) body.push(`a${r}_${t} = fma(qv${k}_${r}, x${k}_${t}, a${r}_${t});`); }
  }
  for (let r = 0; r < R; r++) for (let t = 0; t < C; t++) outs.push(`if (q0 + ${r}u < params.nq && cc${t} < n) { out[(q0 + ${r}u) * n + cc${t}] = a${r}_${t}; }`);
  return `${HDR}
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> xt: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  SWAP
  let n = params.n;
  let q0 = WQ * ${R}u;
  let base = WC * ${WG * C}u + lid;
  ${Array.from({ length: C }, (_, t) => `let cc${t} = base + ${WG * t}u; let c${t} = min(cc${t}, n - 1u);`).join('\n  ')}
  ${accs.join(' ')}
  ${body.join('\n  ')}
  ${outs.join('\n  ')}
}`;
}
// row-major Q and X with vec4 along depth: invocation tile TQ queries (uniform per workgroup) x TX rows of X
function regTile(TQ: number, TX: number, WG: number, mode = ''): string {
  const accs = [], body = [], outs = [];
  for (let r = 0; r < TQ; r++) for (let t = 0; t < TX; t++) accs.push(`var a${r}_${t} = 0.0;`);
  for (let r = 0; r < TQ; r++) body.push(`let qv${r} = q[iq${r} + k4];`);
  for (let t = 0; t < TX; t++) body.push(`let xv${t} = x[ix${t} + k4];`);
  for (let r = 0; r < TQ; r++) for (let t = 0; t < TX; t++) body.push(`a${r}_${t} = fma(qv${r}.w, xv${t}.w, fma(qv${r}.z, xv${t}.z, fma(qv${r}.y, xv${t}.y, fma(qv${r}.x, xv${t}.x, a${r}_${t}))));`);
  for (let r = 0; r < TQ; r++) for (let t = 0; t < TX; t++) outs.push(`if (q0 + ${r}u < params.nq && x0 + ${t}u < n) { out[(q0 + ${r}u) * n + x0 + ${t}u] = a${r}_${t}; }`);
  return `${HDR}
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  SWAP
  let n = params.n; let d4 = params.d / 4u;
  let q0 = WQ * ${TQ}u;
  let x0 = (WC * ${WG}u + lid) * ${TX}u;
  ${Array.from({ length: TQ }, (_, r) => `let iq${r} = min(q0 + ${r}u, params.nq - 1u) * d4;`).join('\n  ')}
  ${Array.from({ length: TX }, (_, t) => `let ix${t} = min(x0 + ${t}u, n - 1u) * d4;`).join('\n  ')}
  ${accs.join(' ')}
  ${mode === 'hoist' ? body.filter((l) => l.startsWith('let')).map((l) => l.replace(' + k4', '')).join('\n  ') : ''}
  for (var k4 = 0u; k4 < d4; k4++) {
    ${mode === 'hoist' ? body.filter((l) => !l.startsWith('let')).join('\n    ') : mode === 'loadonly' ? body.filter((l) => l.startsWith('let')).join('\n    ') + '\n    a0_0 += ' + body.filter((l) => l.startsWith('let')).map((l) => l.split(' ')[1] + '.x').join(' + ') + ';' : body.join('\n    ')}
  }
  ${outs.join('\n  ')}
}`;
}
// subgroups: lane s of each 8-lane subgroup loads query q0 + s's vec4; subgroupBroadcast shares it; TX rows of X per lane
function sgTile(TX: number, WG: number, R = 8): string {
  const accs = [], body = [], outs = [];
  for (let r = 0; r < R; r++) for (let t = 0; t < TX; t++) accs.push(`var a${r}_${t} = 0.0;`);
  for (let h = 0; h < R / 8; h++) body.push(`let mq${h} = q[iq${h} + k4];`);
  for (let t = 0; t < TX; t++) body.push(`let xv${t} = x[ix${t} + k4];`);
  for (let r = 0; r < R; r++) { body.push(`let qv${r} = subgroupBroadcast(mq${r >> 3}, ${r & 7}u);`); for (let t = 0; t < TX; t++) body.push(`a${r}_${t} = fma(qv${r}.w, xv${t}.w, fma(qv${r}.z, xv${t}.z, fma(qv${r}.y, xv${t}.y, fma(qv${r}.x, xv${t}.x, a${r}_${t}))));`); }
  for (let r = 0; r < R; r++) for (let t = 0; t < TX; t++) outs.push(`if (q0 + ${r}u < params.nq && x0 + ${t}u < n) { out[(q0 + ${r}u) * n + x0 + ${t}u] = a${r}_${t}; }`);
  return `enable subgroups;
${HDR}
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) sid: u32) {
  SWAP
  let n = params.n; let d4 = params.d / 4u;
  let q0 = WQ * ${R}u;
  let x0 = (WC * ${WG}u + lid) * ${TX}u;
  ${Array.from({ length: R / 8 }, (_, h) => `let iq${h} = min(q0 + ${8 * h}u + (sid & 7u), params.nq - 1u) * d4;`).join('\n  ')}
  ${Array.from({ length: TX }, (_, t) => `let ix${t} = min(x0 + ${t}u, n - 1u) * d4;`).join('\n  ')}
  ${accs.join(' ')}
  for (var k4 = 0u; k4 < d4; k4++) {
    ${body.join('\n    ')}
  }
  ${outs.join('\n  ')}
}`;
}
const arg = (name: string, dflt: string): string => { const i = process.argv.indexOf(`--${name}`); return i > 0 ? process.argv[i + 1]! : dflt; };
const NQ = Number(arg('nq', '1024')), N = Number(arg('n', '16384')), D = Number(arg('d', '128')), reps = Number(arg('reps', '3'));
const only = arg('only', '');
const engine = await createEngine();
console.log(engine.adapterName, NQ, N, D);
let seed = 1;
const rnd = (): number => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 4294967296 - 0.5; };
const Q = Float32Array.from({ length: NQ * D }, rnd), X = Float32Array.from({ length: N * D }, rnd);
const XT = new Float32Array(D * N); for (let j = 0; j < N; j++) for (let k = 0; k < D; k++) XT[k * N + j] = X[j * D + k]!;
const qb = engine.upload(Q), xb = engine.upload(X), xtb = engine.upload(XT), ob = engine.buffer(NQ * N * 4), fb = engine.buffer(256 * 1024 * 4);
const flops = 2 * NQ * N * D;
type Case = { name: string; run: () => void; flops: number };
const cases: Case[] = [];
cases.push({ name: 'fma-vec4', flops: 256 * 1024 * 4096 * 32, run: () => probeFma(engine, fb, 256 * 1024, 4096, 0.5, 1) });
cases.push({ name: 'scores_vec4', flops, run: () => scores(engine, qb, xb, ob, NQ, N, D, 0) });
const variants: [string, string, number, number, number][] = [];
for (const [R, C, WG] of [[4, 2, 64], [4, 3, 64], [6, 2, 64], [8, 1, 64], [8, 2, 64], [12, 1, 64], [4, 4, 64], [8, 2, 256]] as const) variants.push([`xt-s R${R}C${C}W${WG}`, xtScalar(R, C, WG), R, C * WG, 1]);
for (const [R, C, WG] of [[4, 1, 64], [3, 1, 64], [2, 2, 64]] as const) variants.push([`xt-v4 R${R}C${C}W${WG}`, xtVec4(R, C, WG), R, C * WG * 4, 4]);
for (const [R, C, WG] of [[4, 2, 64], [8, 1, 64], [6, 2, 64]] as const) variants.push([`xt-q4 R${R}C${C}W${WG}`, xtScalarQ4(R, C, WG), R, C * WG, 1]);
for (const [R, C, WG] of [[4, 3, 64], [8, 1, 64], [6, 2, 64], [4, 2, 64]] as const) variants.push([`xt-unr R${R}C${C}W${WG}`, xtUnrolled(R, C, WG, D), R, C * WG, 1]);
for (const [TQ, TX, WG] of [[4, 4, 64], [4, 8, 64], [8, 4, 64], [8, 8, 64], [6, 6, 64], [16, 4, 64], [12, 8, 64]] as const) variants.push([`rt Q${TQ}X${TX}`, regTile(TQ, TX, WG), TQ, TX * WG, 1]);
for (const m of ['hoist', 'loadonly']) for (const [TQ, TX] of [[4, 4], [8, 8]]) variants.push([`rt ${m} Q${TQ}X${TX}`, regTile(TQ, TX, 64, m), TQ, TX * 64, 1]);
for (const TX of [1, 2, 4]) variants.push([`rt sg X${TX}`, sgTile(TX, 64), 8, TX * 64, 1]);
for (const TX of [2, 4]) variants.push([`rt sg16 X${TX}`, sgTile(TX, 64, 16), 16, TX * 64, 1]);
variants.push([`rt sg24 X4`, sgTile(4, 64, 24), 24, 4 * 64, 1]);
variants.push([`rt sg32 X2`, sgTile(2, 64, 32), 32, 2 * 64, 1]);
variants.push([`rt sg32 X4`, sgTile(4, 64, 32), 32, 4 * 64, 1]);
for (const [name0, src0, R, cols] of variants) for (const swap of [false, true]) {
  const name = name0 + (swap ? ' qx' : '');
  if (only && !only.split(',').some((o) => name.includes(o))) continue;
  const src = src0.replace('SWAP', swap ? 'let WQ = wid.x; let WC = wid.y;' : 'let WQ = wid.y; let WC = wid.x;');
  const isRt = name.startsWith('rt');
  const k = handle(name, src, ['q', isRt ? 'x' : 'xt', 'out']);
  const wg = [Math.ceil(N / cols), Math.ceil(NQ / R)];
  cases.push({ name, flops, run: () => engine.run(k, { bindings: isRt ? { q: qb, x: xb, out: ob } : { q: qb, xt: xtb, out: ob }, params: { nq: NQ, n: N, d: D, metric: 0 }, workgroups: swap ? [wg[1], wg[0]] : wg } as any) });
}
// correctness check of each against scores_vec4 (bits) on the first rows
async function outRows(): Promise<Float32Array> { await engine.sync(); return engine.read(ob, Float32Array, 0, 4 * N * 4); }
cases[1]!.run(); const base = await outRows();
for (const c of cases.slice(2)) { engine.fill(ob, 0); c.run(); const o = await outRows(); let bad = 0, maxd = 0; for (let i = 0; i < base.length; i++) { if (o[i] !== base[i]) bad++; maxd = Math.max(maxd, Math.abs(o[i]! - base[i]!)); } console.log(`${c.name}: ${bad} differ from scores_vec4 (max ${maxd.toExponential(2)})`); }
const times: number[][] = cases.map(() => []);
for (let r = 0; r < reps; r++) for (let i = 0; i < cases.length; i++) { await engine.sync(); const t0 = performance.now(); cases[i]!.run(); await engine.sync(); times[i]!.push(performance.now() - t0); }
const med = (a: number[]): number => { const s = [...a].sort((x, y) => x - y); return s[Math.floor(s.length / 2)]!; };
const fmaRate = cases[0]!.flops / med(times[0]!) / 1e6;
for (let i = 0; i < cases.length; i++) { const ms = med(times[i]!); const g = cases[i]!.flops / ms / 1e6; console.log(`${cases[i]!.name.padEnd(22)} ${ms.toFixed(1).padStart(8)} ms ${g.toFixed(2).padStart(7)} GFLOP/s ${(100 * g / fmaRate).toFixed(1).padStart(5)}% of fma`); }
engine.dispose();
