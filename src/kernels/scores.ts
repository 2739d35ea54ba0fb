import { Engine } from '../pipeline/engine.js';
import type { Buf, GpuTexture } from '../pipeline/buffer.js';
import { scores as scoresKernel, scores_rows, scores_sg, scores_sg_tex, scores_vec4 } from '../shaders/kernels.js';
import { sub } from './row-chunks.js';

export type MetricCode = 0 | 1; // 0 = inner product, 1 = squared L2

/** Up to this many query rows take the one-invocation-per-output kernel (scores_rows), which sums in the same
 *  order as the tiled kernel (same bits) without computing a mostly empty 64-row tile; on a software adapter
 *  with subgroups, scores_vec4 instead of scores_sg's 32-row tiles. */
const FEW_ROWS = 8;

/** Query rows per scores_vec4 dispatch: 4 per workgroup row under the 65535 limit, a multiple of 64 so that
 *  every chunk's byte offsets (r0 * d * 4, r0 * n * 4) stay 256-byte aligned. */
const VEC4_ROWS = 64 * Math.floor((4 * 65535) / 64);

/** Query rows per scores_sg dispatch: 32 per workgroup row under the 65535 limit, a multiple of 64 (aligned
 *  offsets as for VEC4_ROWS). */
const SG_ROWS = 64 * Math.floor((32 * 65535) / 64);

/** scores_sg reads Q and X from textures (scores_sg_tex) from this many multiply-adds (nq n d) up ... */
const TEXTURE_MIN_FMA = 1 << 24;
/** ... where the copies into textures, about (nq + n) d floats against the product's nq n d multiply-adds, cost
 *  a few percent. On lavapipe a copy into a texture the engine reuses (Engine.TEXEL_KEEP_BYTES) takes about 10
 *  multiply-adds' time per float, the first write into a new texture of 4 MB or more about 250 (page faults), and
 *  the texture path needs about 2/3 of the buffer path's time (bench/results/kernels.md). So: with X's texture small
 *  enough to be kept (Q's textures always are, textureRows()), from nq n / (nq + n) >= TEXTURE_MIN_ROWS; else from
 *  TEXTURE_MIN_ROWS_FRESH rows of Q and of X. */
const TEXTURE_MIN_ROWS = 48;
const TEXTURE_MIN_ROWS_FRESH = 1024;
/** Query rows per Q texture: under 16 MiB (a reused texture of Engine's pool), a multiple of 64 (aligned offsets). */
function textureRows(d: number): number {
  return Math.max(64, 64 * Math.floor((16 << 20) / (d * 4 * 64)));
}

export interface ScoresOptions {
  /** scores_sg's operands through textures (scores_sg_tex): true / false force it (tests), default by size */
  textures?: boolean;
  /** query rows per Q texture on the texture path, a multiple of 64 (tests; default: textures under 16 MiB) */
  textureRows?: number;
}

/**
 * out[i * n + j] = score(Q[i], X[j]) for Q (nq x d) and X (n x d). `out` must hold nq * n floats.
 * The caller chunks Q and X so that no binding exceeds the device's maxStorageBufferBindingSize.
 *
 * Kernel choice: on a software adapter with subgroups of at least 8 (Engine.hasSubgroups), d a multiple of 4 and
 * more than FEW_ROWS query rows take scores_sg (8 queries per subgroup load shared by subgroupBroadcast, 32 x 8
 * outputs per invocation: on lavapipe loads are paid per invocation and broadcasts are register moves; the metric
 * is a pipeline constant); for products large enough against the copies (TEXTURE_MIN_FMA, TEXTURE_MIN_ROWS), and
 * where they fit the device's textures, Q (in chunks of textureRows() rows) and X are first copied into rgba32float
 * textures (Engine.texels, which reuses the textures of earlier calls) and read with textureLoad (scores_sg_tex,
 * same bits): lavapipe fetches a texel as one 16-byte load per invocation, where a storage load of a vec4 at a
 * per-invocation address is 32 scalar loads behind bounds-check branches. Else on a software adapter (engine.isSoftwareAdapter), d a multiple of 4 takes scores_vec4 (4 x 4
 * register tiles with vec4 loads, no workgroup memory or barriers; on a SIMD software GPU such as lavapipe, where
 * every load is paid per invocation, it needs about a quarter of the tiled kernel's loads per flop; on a hardware
 * GPU the shared-memory tiles are faster: bench/results/gpu-kernels.md). Otherwise the tiled kernel (scores, 64 x 64
 * workgroup tiles) or, for a few query rows, scores_rows. Every path sums each output as one chain in increasing
 * k, so a row's scores do not depend on how many query rows are passed with it (same bits).
 */
export function scores(engine: Engine, q: Buf, x: Buf, out: Buf,
  nq: number, n: number, d: number, metric: MetricCode, opts: ScoresOptions = {}): void {
  if (nq === 0 || n === 0) return;
  if (d % 4 === 0 && engine.isSoftwareAdapter) {
    // at most FEW_ROWS query rows leave most of a 32-row scores_sg tile idle: scores_vec4 (same bits) is faster
    const sg = engine.hasSubgroups && nq > FEW_ROWS;
    const chunkRows = sg ? SG_ROWS : VEC4_ROWS;
    const texRows = opts.textureRows ?? textureRows(d);
    if (texRows % 64 !== 0 || texRows <= 0 || texRows > SG_ROWS) throw new Error(`scores: textureRows ${texRows} is not a positive multiple of 64 up to ${SG_ROWS}`);
    const big = nq * n * d >= TEXTURE_MIN_FMA && (n * d * 4 <= Engine.TEXEL_KEEP_BYTES / 2
      ? (nq * n) / (nq + n) >= TEXTURE_MIN_ROWS : Math.min(nq, n) >= TEXTURE_MIN_ROWS_FRESH);
    const tex = sg && (opts.textures ?? big)
      && engine.fitsTexels((n * d) / 4) && engine.fitsTexels((Math.min(nq, texRows) * d) / 4);
    const chunk = tex ? texRows : chunkRows;
    const xt = tex ? engine.texels(x, (n * d) / 4, 'scores X texels') : null;
    try {
      for (let r0 = 0; r0 < nq; r0 += chunk) {
        const rows = Math.min(chunk, nq - r0);
        const qs = nq <= chunk ? q : sub(q, r0 * d * 4, rows * d * 4);
        const os = nq <= chunk ? out : sub(out, r0 * n * 4, rows * n * 4);
        const params = { nq: rows, n, d, metric };
        if (xt) {
          // each chunk's texture goes back to the engine's pool on dispose and is reused by the next chunk
          const qt = engine.texels(qs, (rows * d) / 4, 'scores Q texels');
          try { scoresTexels(engine, qt, xt, os, rows, n, d, metric); } finally { qt.dispose(); }
        } else if (sg) engine.run(scores_sg, { bindings: { q: qs, x, out: os }, params, constants: sgConstants(n, metric), workgroups: sgGrid(rows, n) });
        else engine.run(scores_vec4, { bindings: { q: qs, x, out: os }, params, workgroups: [Math.ceil(rows / 4), Math.ceil(n / 256)] });
      }
    } finally { xt?.dispose(); }
    return;
  }
  if (nq <= FEW_ROWS) {
    engine.run(scores_rows, { bindings: { q, x, out }, params: { nq, n, d, metric }, workgroups: Math.ceil((nq * n) / 64) });
    return;
  }
  engine.run(scoresKernel, {
    bindings: { q, x, out },
    params: { nq, n, d, metric },
    workgroups: [Math.ceil(n / 64), Math.ceil(nq / 64)],
  });
}

/** scores_sg / scores_sg_tex: 32 query rows x 8 WG rows of X per workgroup, WG = 64, or the least of 8, 16, 32 with
 *  8 WG >= n (e.g. 256 centroids: WG 32, no idle lanes); four sizes only, each a pipeline to compile. */
function sgConstants(n: number, metric: MetricCode): { METRIC_L2: number; WG: number } {
  return { METRIC_L2: metric, WG: n <= 64 ? 8 : n <= 128 ? 16 : n <= 256 ? 32 : 64 };
}
function sgGrid(nq: number, n: number): [number, number] {
  return [Math.ceil(nq / 32), Math.ceil(n / (8 * sgConstants(n, 0).WG))];
}

/** Whether scoresTexels() runs on this engine for depth d: a software adapter with subgroups (scores_sg_tex). */
export function hasScoresTexels(engine: Engine, d: number): boolean {
  return engine.isSoftwareAdapter && engine.hasSubgroups && d % 4 === 0;
}

/**
 * scores() with Q and X already in textures (Engine.texels / texelsFrom, nq d / 4 and n d / 4 vec4s), for callers that
 * reuse them across calls (exactSearch: one base block against every query chunk): scores_sg_tex, the bits of
 * scores(). Needs hasScoresTexels(engine, d); nq at most 32 * 65535.
 */
export function scoresTexels(engine: Engine, q: GpuTexture, x: GpuTexture, out: Buf, nq: number, n: number, d: number, metric: MetricCode): void {
  if (!hasScoresTexels(engine, d)) throw new Error('scoresTexels needs a software adapter with subgroups and d a multiple of 4');
  if (nq > SG_ROWS) throw new Error(`scoresTexels: ${nq} query rows, over ${SG_ROWS}`);
  if (nq === 0 || n === 0) return;
  engine.run(scores_sg_tex, { bindings: { q, x, out }, params: { nq, n, d, metric }, constants: sgConstants(n, metric), workgroups: sgGrid(nq, n) });
}
