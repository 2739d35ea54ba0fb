// Module: the fused softAssignReconstruct forward (src/autograd/ops-fused.ts), shared by ag_fused_sar_fwd and
// ag_fused_sar_fwd_sg (same contract, same bits). For each (document b, sub-space m): the squared distances
// ||u^m_b - c^m_k||^2 to the K codewords, their argmin (ties: the lowest k), and r^m_b = c^m_argmin. Keeps the
// argmin code and the smallest distance for the backward pass; never materializes [B, M, K]. A workgroup is
// 64 TB documents of one sub-space and an invocation TB of them (b = 64 TB group + 64 t + lid, t < TB <= 8), so
// every invocation reads the same codeword at the same time and each codeword read serves TB documents (on a SIMD
// CPU every load is paid per invocation); no workgroup memory, no barriers. Each distance is summed in the same
// order whatever TB. Vectors are read as vec4: dsub = 4 * DS4 (DS4 <= 8). With ADD = 1 the output is base + r
// (base [nb, m * DS4], one f32 add per element, as ag_axpby's base + r would give) rather than r.
// A kernel holds its TB documents' sub-vectors uu[t * 8 + i] and running bests best[t] (distance), arg[t]
// (codeword): sar_fwd_load fills them, sar_fwd_take takes one codeword (codewords in increasing k, strict
// comparison), sar_fwd_store writes the documents that exist.
override DS4: u32 = 4u;
override ADD: u32 = 0u;
struct Params { nb: u32, m: u32, k: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> u: array<vec4<f32>>;       // [nb, m * DS4]
@group(0) @binding(2) var<storage, read> cb: array<vec4<f32>>;      // [m, k, DS4]
@group(0) @binding(3) var<storage, read_write> r: array<vec4<f32>>; // [nb, m * DS4]
@group(0) @binding(4) var<storage, read_write> codes: array<u32>;   // [nb, m]
@group(0) @binding(5) var<storage, read_write> dmin: array<f32>;    // [nb, m]
@group(0) @binding(6) var<storage, read> base: array<vec4<f32>>;    // [nb, m * DS4] (read with ADD = 1)

override TB: u32 = 8u;

/** The sub-vectors of sub-space s of documents b0 + 64 t (past the end: the last document), bests reset. */
fn sar_fwd_load(uu: ptr<function, array<vec4<f32>, 64>>, best: ptr<function, array<f32, 8>>,
                arg: ptr<function, array<u32, 8>>, b0: u32, s: u32) {
  for (var t = 0u; t < TB; t++) {
    let b = min(b0 + t * 64u, params.nb - 1u);
    let ub = (b * params.m + s) * DS4;
    for (var i = 0u; i < DS4; i++) { (*uu)[t * 8u + i] = u[ub + i]; }
    (*best)[t] = 3.4e38;
    (*arg)[t] = 0u;
  }
}

/** Codeword k (sub-vector c) against every held document: ||u - c||^2 summed over i in order, kept if smaller. */
fn sar_fwd_take(uu: ptr<function, array<vec4<f32>, 64>>, best: ptr<function, array<f32, 8>>,
                arg: ptr<function, array<u32, 8>>, c: ptr<function, array<vec4<f32>, 8>>, k: u32) {
  for (var t = 0u; t < TB; t++) {
    var acc = 0.0;
    for (var i = 0u; i < DS4; i++) { let d = (*uu)[t * 8u + i] - (*c)[i]; acc += dot(d, d); }
    if (acc < (*best)[t]) { (*best)[t] = acc; (*arg)[t] = k; }
  }
}

/** r (or base + r), codes and dmin of the documents b0 + 64 t < nb of sub-space s (codebook at c0). */
fn sar_fwd_store(best: ptr<function, array<f32, 8>>, arg: ptr<function, array<u32, 8>>, b0: u32, s: u32, c0: u32) {
  for (var t = 0u; t < TB; t++) {
    let b = b0 + t * 64u;
    if (b >= params.nb) { break; }
    let ub = (b * params.m + s) * DS4;
    for (var i = 0u; i < DS4; i++) {
      let c = cb[c0 + (*arg)[t] * DS4 + i];
      if (ADD != 0u) { r[ub + i] = base[ub + i] + c; } else { r[ub + i] = c; }
    }
    codes[b * params.m + s] = (*arg)[t];
    dmin[b * params.m + s] = (*best)[t];
  }
}
