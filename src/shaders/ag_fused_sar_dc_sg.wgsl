enable subgroups;
// ag_fused_sar_dc (the codebook gradient of the fused softAssignReconstruct over a chunk of documents) for
// adapters with subgroups of at least 8 invocations: the same sums in the same order, so the same bits. The
// per-document rows that every invocation of a workgroup reads (u^m_b and code_bm) come through the subgroup:
// for each block of 8 documents, lane l of each subgroup loads document l's row (lanes mod 8) and
// subgroupShuffle hands document j's to all lanes, one load per lane for 8 documents where each invocation
// loaded every row itself (on a SIMD software GPU a load at a loop-dependent address is paid per lane even when
// every lane reads the same one). Invocations past the last quad compute a copy of it (they take part in the
// shuffles) and write nothing. Contract and layouts: lib/sar_dc.wgsl.
#include "lib/sar_dc.wgsl"

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) sid: u32) {
  let s = wid.y;
  let q = wid.x * 64u + lid;
  let qc = min(q, params.kq - 1u);
  var acc: array<vec4<f32>, 32>; // [j * 8 + i]: codeword 4q + j, component i
  for (var j = 0u; j < 4u; j++) { for (var i = 0u; i < DS4; i++) { acc[j * 8u + i] = vec4<f32>(0.0); } }
  var sg = vec4<f32>(0.0);
  let er0 = (s * params.kq + qc) * (params.nb + ROW_PAD); // this quad's row of gdist
  for (var d0 = 0u; d0 < params.nb; d0 += 8u) {
    // lane l (mod 8) holds document d0 + l's row of u and its code (the last document past the end)
    let bo = params.b0 + min(d0 + (sid & 7u), params.nb - 1u);
    var um: array<vec4<f32>, 8>;
    for (var i = 0u; i < DS4; i++) { um[i] = u[(bo * params.m + s) * DS4 + i]; }
    let cm = codes[bo * params.m + s];
    let n8 = min(8u, params.nb - d0);
    for (var e = 0u; e < n8; e++) {
      let bl = d0 + e;
      let b = params.b0 + bl;
      let gd = gdist[er0 + bl];
      sg += gd;
      let ub = (b * params.m + s) * DS4;
      let code = subgroupShuffle(cm, e);
      for (var i = 0u; i < DS4; i++) {
        let x = subgroupShuffle(um[i], e);
        for (var j = 0u; j < 4u; j++) { acc[j * 8u + i] -= (2.0 * gd[j]) * x; }
      }
      sar_dc_onehot(&acc, code, qc, ub);
    }
  }
  if (q >= params.kq) { return; }
  sar_dc_store(&acc, sg, q, s);
}
