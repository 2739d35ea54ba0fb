// Fused softAssignReconstruct backward, part 1 (contract, layouts and sums in lib/sar_bwd.wgsl): each invocation
// loads every codeword itself.
#include "lib/sar_bwd.wgsl"

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let s = wid.y;
  let bl0 = wid.x * 64u * TB + lid;
  if (bl0 >= params.nb) { return; }
  var st: SarBwd;
  sar_bwd_load(&st, bl0, s);
  let c0 = s * params.k * DS4;
  // pass 1: the sums over k (Z, S and, for du, sa and sp)
  for (var k = 0u; k < params.k; k++) {
    var c = sar_codeword(c0 + k * DS4);
    sar_bwd_sum(&st, &c);
  }
  sar_bwd_du(&st, bl0, s);
  if (WANT_E == 0u) { return; }
  // pass 2: gdist_k stored by codeword quads (zeros in the padding of the last quad)
  for (var q = 0u; q < params.kq; q++) {
    var gv: array<vec4<f32>, 8>;
    for (var t = 0u; t < TB; t++) { gv[t] = vec4<f32>(0.0); }
    for (var j = 0u; j < 4u; j++) {
      let k = q * 4u + j;
      if (k >= params.k) { break; }
      var c = sar_codeword(c0 + k * DS4);
      sar_bwd_gdist(&st, &c, &gv, j);
    }
    sar_bwd_store(&gv, bl0, s, q);
  }
}
