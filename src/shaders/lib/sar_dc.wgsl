// Module: the codebook gradient of the fused softAssignReconstruct (part 2 of its backward,
// src/autograd/ops-fused.ts), shared by ag_fused_sar_dc and ag_fused_sar_dc_sg (same sums in the same order, same
// bits). Over a chunk of documents [b0, b0 + nb), without float atomics: a workgroup per (sub-space m, 64 quads
// of 4 codewords), an invocation per quad, looping over the chunk's documents in order (deterministic) and
// accumulating, per codeword,
//   dC^m_k = sum_b [code_bm == k] g^m_b - 2 sum_b gdist_bk u^m_b + 2 c^m_k sum_b gdist_bk
// with gdist_bk = f_b e_bk (ga_bk - s_b) as ag_fused_sar_bwd stored it (a row of vec4s per quad). The kernel holds
// acc[j * 8 + i] (codeword 4q + j, component i: the first two terms) and sg = sum_b gdist_b of its quad;
// sar_dc_onehot adds the first term of one document, sar_dc_store writes the quad's codewords. accum = 1 adds to
// the chunks before (dc already holds them); accum = 0 overwrites.
override DS4: u32 = 4u;
const ROW_PAD: u32 = 4u; // as ag_fused_sar_bwd's (its layout of gdist)
struct Params { nb: u32, b0: u32, m: u32, k: u32, kq: u32, accum: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> u: array<vec4<f32>>;        // [B, m * DS4]
@group(0) @binding(2) var<storage, read> cb: array<vec4<f32>>;       // [m, k, DS4]
@group(0) @binding(3) var<storage, read> g: array<vec4<f32>>;        // [B, m * DS4]
@group(0) @binding(4) var<storage, read> codes: array<u32>;          // [B, m]
@group(0) @binding(5) var<storage, read> gdist: array<vec4<f32>>;    // [m, kq, nb + ROW_PAD]
@group(0) @binding(6) var<storage, read_write> dc: array<vec4<f32>>; // [m, k, DS4]

/**
 * The one-hot term of a document with code `code` (its g row at ub) for quad q: acc[jh] += g when code = 4q + jh.
 * Only one invocation of the workgroup holds the code. A loop of at most one pass (not an if) lets a SIMD software
 * GPU skip it for every group of invocations where no lane enters it.
 */
fn sar_dc_onehot(acc: ptr<function, array<vec4<f32>, 32>>, code: u32, q: u32, ub: u32) {
  let jh = code - q * 4u;
  for (var once = select(1u, 0u, jh < 4u); once < 1u; once++) {
    for (var j = 0u; j < 4u; j++) {
      if (jh == j) { for (var i = 0u; i < DS4; i++) { (*acc)[j * 8u + i] += g[ub + i]; } }
    }
  }
}

/** dc of the codewords 4q + j < k of sub-space s: acc + 2 sg_j c (+ dc with accum). */
fn sar_dc_store(acc: ptr<function, array<vec4<f32>, 32>>, sg: vec4<f32>, q: u32, s: u32) {
  for (var j = 0u; j < 4u; j++) {
    let k = q * 4u + j;
    if (k >= params.k) { break; }
    let o = (s * params.k + k) * DS4;
    for (var i = 0u; i < DS4; i++) {
      var v = (*acc)[j * 8u + i] + (2.0 * sg[j]) * cb[o + i];
      if (params.accum != 0u) { v += dc[o + i]; }
      dc[o + i] = v;
    }
  }
}
