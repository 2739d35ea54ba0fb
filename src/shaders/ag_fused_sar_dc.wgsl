// Fused softAssignReconstruct backward, part 2: the codebook gradient (contract and layouts in lib/sar_dc.wgsl).
// Every per-document load (u, g, code) has one address across the workgroup (a uniform load on a SIMD software
// GPU). Per document: one vec4 of gdist (4 codewords; an invocation streams its quad's row), the code and u^m_b
// (shared by the 4 codewords).
#include "lib/sar_dc.wgsl"

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let s = wid.y;
  let q = wid.x * 64u + lid;
  if (q >= params.kq) { return; }
  var acc: array<vec4<f32>, 32>; // [j * 8 + i]: codeword 4q + j, component i
  for (var j = 0u; j < 4u; j++) { for (var i = 0u; i < DS4; i++) { acc[j * 8u + i] = vec4<f32>(0.0); } }
  var sg = vec4<f32>(0.0);
  let er0 = (s * params.kq + q) * (params.nb + ROW_PAD); // this quad's row of gdist
  for (var bl = 0u; bl < params.nb; bl++) {
    let b = params.b0 + bl;
    let gd = gdist[er0 + bl];
    sg += gd;
    let ub = (b * params.m + s) * DS4;
    let code = codes[b * params.m + s];
    for (var i = 0u; i < DS4; i++) {
      let x = u[ub + i];
      for (var j = 0u; j < 4u; j++) { acc[j * 8u + i] -= (2.0 * gd[j]) * x; }
    }
    sar_dc_onehot(&acc, code, q, ub);
  }
  sar_dc_store(&acc, sg, q, s);
}
