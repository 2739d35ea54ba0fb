// Fused softAssignReconstruct forward (src/autograd/ops-fused.ts; contract and layouts in lib/sar_fwd.wgsl): each
// invocation loads every codeword itself.
#include "lib/sar_fwd.wgsl"

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let s = wid.y;
  let b0 = wid.x * 64u * TB + lid;
  if (b0 >= params.nb) { return; }
  var uu: array<vec4<f32>, 64>; // [t * 8 + i]
  var best: array<f32, 8>;
  var arg: array<u32, 8>;
  sar_fwd_load(&uu, &best, &arg, b0, s);
  let c0 = s * params.k * DS4;
  for (var k = 0u; k < params.k; k++) {
    var c: array<vec4<f32>, 8>;
    for (var i = 0u; i < DS4; i++) { c[i] = cb[c0 + k * DS4 + i]; }
    sar_fwd_take(&uu, &best, &arg, &c, k);
  }
  sar_fwd_store(&best, &arg, b0, s, c0);
}
