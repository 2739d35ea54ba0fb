enable subgroups;
// ag_fused_sar_fwd (the fused softAssignReconstruct's forward; its contract in lib/sar_fwd.wgsl) for adapters
// with subgroups of at least 8 invocations: the same operations in the same order, so the same bits. The codewords, which every
// invocation of a workgroup reads in the same order, come through the subgroup: for each block of 8 codewords,
// lane l of each subgroup (lanes mod 8) loads codeword l and subgroupShuffle hands codeword j to all lanes, one
// load per lane for 8 codewords where each invocation loaded every codeword itself (on a SIMD software GPU a load
// at a loop-dependent address is paid per lane even when every lane reads the same one). Invocations past the
// last document compute a copy of it (they take part in the shuffles) and write nothing.
#include "lib/sar_fwd.wgsl"

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) sid: u32) {
  let s = wid.y;
  let b0 = wid.x * 64u * TB + lid;
  var uu: array<vec4<f32>, 64>; // [t * 8 + i]
  var best: array<f32, 8>;
  var arg: array<u32, 8>;
  sar_fwd_load(&uu, &best, &arg, b0, s);
  let c0 = s * params.k * DS4;
  for (var k0 = 0u; k0 < params.k; k0 += 8u) {
    var cm: array<vec4<f32>, 8>; // lane l: codeword k0 + l (the last one past the end)
    let kl = min(k0 + (sid & 7u), params.k - 1u);
    for (var i = 0u; i < DS4; i++) { cm[i] = cb[c0 + kl * DS4 + i]; }
    let n8 = min(8u, params.k - k0);
    for (var e = 0u; e < n8; e++) {
      var c: array<vec4<f32>, 8>;
      for (var i = 0u; i < DS4; i++) { c[i] = subgroupShuffle(cm[i], e); }
      sar_fwd_take(&uu, &best, &arg, &c, k0 + e);
    }
  }
  sar_fwd_store(&best, &arg, b0, s, c0);
}
