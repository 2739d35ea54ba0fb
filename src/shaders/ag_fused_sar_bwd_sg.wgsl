enable subgroups;
// ag_fused_sar_bwd (part 1 of the fused softAssignReconstruct's backward; its contract, layouts and sums in
// lib/sar_bwd.wgsl) for adapters with subgroups of at least 8 invocations: the same operations in the same order,
// so the same bits. The codewords, which every invocation of a workgroup reads in the same order, come through
// the subgroup: for each block of 8 codewords, lane l of each subgroup (lanes mod 8) loads codeword l and
// subgroupShuffle hands codeword j to all lanes, one load per lane for 8 codewords where each invocation loaded
// every codeword itself (on a SIMD software GPU a load at a loop-dependent address is paid per lane even when
// every lane reads the same one). Invocations past the chunk's last document compute a copy of it (they take part in the shuffles)
// and write nothing.
#include "lib/sar_bwd.wgsl"

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) sid: u32) {
  let s = wid.y;
  let bl0 = wid.x * 64u * TB + lid;
  var st: SarBwd;
  sar_bwd_load(&st, bl0, s);
  let c0 = s * params.k * DS4;
  // pass 1: the sums over k (Z, S and, for du, sa and sp)
  for (var k0 = 0u; k0 < params.k; k0 += 8u) {
    var cm = sar_codeword(c0 + min(k0 + (sid & 7u), params.k - 1u) * DS4); // lane l: codeword k0 + l
    let n8 = min(8u, params.k - k0);
    for (var e = 0u; e < n8; e++) {
      var c: array<vec4<f32>, 8>;
      for (var i = 0u; i < DS4; i++) { c[i] = subgroupShuffle(cm[i], e); }
      sar_bwd_sum(&st, &c);
    }
  }
  sar_bwd_du(&st, bl0, s);
  if (WANT_E == 0u) { return; }
  // pass 2: gdist_k stored by codeword quads (zeros in the padding of the last quad); a block of 8 codewords is
  // two quads
  for (var k0 = 0u; k0 < params.k; k0 += 8u) {
    var cm = sar_codeword(c0 + min(k0 + (sid & 7u), params.k - 1u) * DS4);
    for (var h = 0u; h < 2u; h++) {
      let q = k0 / 4u + h;
      if (q >= params.kq) { break; }
      var gv: array<vec4<f32>, 8>;
      for (var t = 0u; t < TB; t++) { gv[t] = vec4<f32>(0.0); }
      for (var j = 0u; j < 4u; j++) {
        if (q * 4u + j < params.k) {
          var c: array<vec4<f32>, 8>;
          for (var i = 0u; i < DS4; i++) { c[i] = subgroupShuffle(cm[i], h * 4u + j); }
          sar_bwd_gdist(&st, &c, &gv, j);
        }
      }
      sar_bwd_store(&gv, bl0, s, q);
    }
  }
}
