// softAssignReconstruct: the PQ reconstruction of a Distill-VQ student in one op, equal to
// assignTimesCodebook(assignFromDistances(subspaceSqDist(u, C), tau), C) forward and backward, without the
// [B, M, K] distance / assignment tensors in the forward and with the backward in two kernels over
// bounded chunks of documents (src/shaders/ag_fused_sar_{fwd,bwd,dc}.wgsl; on a software adapter with subgroups the
// *_sg variants, which share the rows all lanes read through subgroup shuffles: the same bits).
import type { Tensor } from './tensor.js';
import { expectF32, sameTape, add as addOp } from './ops.js';
import { subspaceSqDist, assignTimesCodebook, assignFromDistances } from './ops-vq.js';
import * as K from '../shaders/kernels.js';

export interface SoftAssignOptions {
  /**
   * documents per backward chunk: the backward keeps a temporary of (chunk + 4) x M x K floats. Default: as many
   * as 32 MiB holds at chunk x M x K (the codebook gradient is summed chunk by chunk, so the chunk fixes its bits).
   */
  chunkDocs?: number;
  /**
   * @internal documents per invocation of the forward and of the backward's first kernel (1 to 8); default: by
   * adapter (see docsPerInvocation). Tests set 1 to run a hardware GPU's path on a software one.
   */
  docsPerInvocation?: number;
  /**
   * @internal whether the kernels share rows through subgroups (the *_sg kernels); default: on a software adapter
   * with subgroups of at least 8 lanes (Engine.hasSubgroups). Tests set false to run the plain kernels there.
   */
  subgroups?: boolean;
  /**
   * a tensor of u's shape [B, D] added to the reconstruction in the forward kernel: the op returns add + r, the same
   * values as add(add, r) without its own pass over B x D (nor the copy of the gradient in its backward); `add`
   * receives the output's gradient when it requires one. Distill-VQ's r_d = o_d + a_d . C.
   */
  add?: Tensor;
}

const fmt = (t: Tensor): string => `[${t.shape.join(', ')}]`;
const TEMP_BYTES = 32 * 2 ** 20;
/** documents per invocation of the forward and of the backward's first kernel (their TB) on a software GPU: each
 *  codeword loaded serves that many documents; more than these spill registers on a SIMD software GPU. A hardware
 *  GPU keeps one document per invocation (more invocations in flight); the sums are the same either way. */
const docsPerInvocation = (software: boolean): { fwd: number; bwd: number } => (software ? { fwd: 8, bwd: 4 } : { fwd: 1, bwd: 1 });

/**
 * Straight-through PQ reconstruction: u [B, D], codebook [M, K, D/M] -> [B, D]. Forward: r^m_b = c^m_k for the
 * nearest codeword k of each sub-vector (ties: the lowest k). Backward: the gradient of
 * sum_k a_bmk c^m_k with a = onehot - stopgrad(p) + p, p = softmax(-||u^m_b - c^m_k||^2 / tau) over k (to u and
 * to the codebook), exactly as the composed subspaceSqDist -> assignFromDistances -> assignTimesCodebook.
 * Sub-vector widths that are not a multiple of 4 or above 32 run the composed ops.
 */
export function softAssignReconstruct(u: Tensor, codebook: Tensor, tau = 1, opts: SoftAssignOptions = {}): Tensor {
  const op = 'softAssignReconstruct';
  expectF32(op, 'u', u, 2); expectF32(op, 'codebook', codebook, 3); sameTape(op, u, codebook);
  const [m, k, ds] = codebook.shape as [number, number, number];
  const [nb, d] = u.shape as [number, number];
  if (d !== m * ds) throw new Error(`${op}: u ${fmt(u)} must have D = M * D/M = ${m * ds} for codebook ${fmt(codebook)}`);
  if (k < 1 || m < 1 || ds < 1) throw new Error(`${op}: codebook ${fmt(codebook)} must have at least one sub-space, codeword and dimension`);
  if (!(tau > 0) || !Number.isFinite(tau)) throw new Error(`${op}: temperature must be a positive number, got ${tau}`);
  if (opts.chunkDocs !== undefined && !(Number.isInteger(opts.chunkDocs) && opts.chunkDocs >= 1)) {
    throw new Error(`${op}: chunkDocs must be a positive integer, got ${opts.chunkDocs}`);
  }
  const base = opts.add;
  if (base) {
    expectF32(op, 'add', base); sameTape(op, u, base);
    if (base.shape.join() !== u.shape.join()) throw new Error(`${op}: add ${fmt(base)} must have u's shape ${fmt(u)}`);
  }
  if (ds % 4 !== 0 || ds > 32) {
    const r = assignTimesCodebook(assignFromDistances(subspaceSqDist(u, codebook), tau), codebook);
    return base ? addOp(base, r) : r;
  }

  const tape = u.tape, engine = tape.engine;
  const DS4 = ds / 4, kq = Math.ceil(k / 4), invTau = 1 / tau;
  const tb = opts.docsPerInvocation;
  if (tb !== undefined && !(Number.isInteger(tb) && tb >= 1 && tb <= 8)) throw new Error(`${op}: docsPerInvocation must be an integer in [1, 8], got ${tb}`);
  const { fwd: FWD_TB, bwd: BWD_TB } = tb !== undefined ? { fwd: tb, bwd: tb } : docsPerInvocation(engine.isSoftwareAdapter);
  const sg = (opts.subgroups ?? engine.isSoftwareAdapter) && engine.hasSubgroups;
  const out = tape.empty([nb, d]);
  const inputs = base ? [u, codebook, base] : [u, codebook];
  if (nb === 0) { tape.record(op, inputs, out, () => inputs.map((x) => tape.zeros(x.shape))); return out; }
  const codes = tape.empty([nb, m], 'i32', { label: `${op} codes` });
  const dmin = tape.empty([nb, m], 'f32', { label: `${op} dmin` });
  engine.run(sg ? K.ag_fused_sar_fwd_sg : K.ag_fused_sar_fwd, {
    bindings: { u: u.buffer, cb: codebook.buffer, r: out.buffer, codes: codes.buffer, dmin: dmin.buffer, base: (base ?? u).buffer },
    params: { nb, m, k }, workgroups: [Math.ceil(nb / (64 * FWD_TB)), m], constants: { DS4, TB: FWD_TB, ADD: base ? 1 : 0 },
  });
  const wantBase = !!base?.requiresGrad;
  if (!(tape.gradEnabled && (u.requiresGrad || codebook.requiresGrad || wantBase))) {
    codes.dispose(); dmin.dispose();
    tape.record(op, [], out, () => []);
    return out;
  }
  const chunk = Math.min(nb, opts.chunkDocs ?? Math.max(1, Math.floor(TEMP_BYTES / (m * kq * 16))));
  tape.record(op, inputs, out, (g) => {
    const wantDu = u.requiresGrad, wantDc = codebook.requiresGrad;
    const dBase = wantBase ? tape.copyOf(g) : null;
    if (!wantDu && !wantDc) { codes.dispose(); dmin.dispose(); return [null, null, dBase]; }
    const du = wantDu ? tape.empty(u.shape) : null;
    const dc = wantDc ? tape.empty(codebook.shape) : null;
    const n0 = wantDc ? chunk : 0;
    // gdist: [m, kq, chunk + 4] vec4s (the kernels' layout: a row per codeword quad, padded by 4)
    const gd = wantDc ? tape.empty([m, kq, n0 + 4, 4], 'f32', { label: `${op} gdist` }) : null;
    // unused outputs get distinct tiny buffers (one writable buffer may not be bound twice)
    const spare = (need: boolean) => (need ? null : tape.empty([4]));
    const sDu = spare(wantDu), sGd = spare(wantDc);
    // without a codebook gradient the u gradient needs no temporaries: one pass over all documents
    const step = wantDc ? chunk : nb;
    for (let b0 = 0; b0 < nb; b0 += step) {
      const n = Math.min(step, nb - b0);
      engine.run(sg ? K.ag_fused_sar_bwd_sg : K.ag_fused_sar_bwd, {
        bindings: {
          u: u.buffer, cb: codebook.buffer, g: g.buffer, dmin: dmin.buffer, du: (du ?? sDu)!.buffer, gd: (gd ?? sGd)!.buffer,
        },
        params: { nb: n, b0, m, k, kq, invTau },
        workgroups: [Math.ceil(n / (64 * BWD_TB)), m], constants: { DS4, TB: BWD_TB, WANT_DU: wantDu ? 1 : 0, WANT_E: wantDc ? 1 : 0 },
      });
      if (!wantDc) continue;
      engine.run(sg ? K.ag_fused_sar_dc_sg : K.ag_fused_sar_dc, {
        bindings: { u: u.buffer, cb: codebook.buffer, g: g.buffer, codes: codes.buffer, gdist: gd!.buffer, dc: dc!.buffer },
        params: { nb: n, b0, m, k, kq, accum: b0 === 0 ? 0 : 1 },
        workgroups: [Math.ceil(kq / 64), m], constants: { DS4 },
      });
    }
    for (const t of [gd, codes, dmin, sDu, sGd]) t?.dispose(); // (a record's backward runs once)
    return base ? [du, dc, dBase] : [du, dc];
  });
  return out;
}
