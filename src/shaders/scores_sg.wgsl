// Scores for d a multiple of 4 (the `scores` contract, same bits as scores_vec4) on an adapter with subgroups of
// at least 8 invocations (kernels/scores.ts checks the feature and subgroupMinSize). Workgroup (wid.x, wid.y)
// takes queries 32 wid.x + r (r < 32) against rows 8 (64 wid.y + lid) + t (t < 8) of X. Per vec4 of depth, lane s
// of every subgroup loads the vec4s of queries 32 wid.x + 8 i + (s mod 8) (i < 4), and subgroupBroadcast hands
// lane r's vectors to all lanes, so four loads per lane bring 32 queries; each invocation then adds 32 x 8
// products in registers (lib/sg_tile.wgsl, sg_step32). On a SIMD software GPU (lavapipe) every load costs per
// invocation and per component while a broadcast is a register move, so this needs 12 loads per 1024 fma where
// the 4 x 4 register tile needs 8 per 64. Every output is one fma chain in increasing k from 0 (rg_dot4), so the
// bits equal scores_vec4's. Rows past the end are clamped to the last row for loading (every lane stays active
// for the broadcasts) and not written. The metric is a pipeline constant, so the inner-product pipeline carries
// no norm code (params.metric is not read).
enable subgroups;
#include "lib/scores_vec4_io.wgsl"
#include "lib/sg_tile.wgsl"

/** 1: squared L2 from the norms, 0: inner product */
override METRIC_L2: u32 = 0u;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) sid: u32) {
  let d4 = params.d / 4u;
  let q0 = wid.x * 32u;
  let x0 = (wid.y * 64u + lid) * 8u;
  var iq: array<u32, 4>;
  for (var i = 0u; i < 4u; i++) { iq[i] = min(q0 + 8u * i + (sid & 7u), params.nq - 1u) * d4; }
  var jb: array<u32, 8>;
  for (var t = 0u; t < 8u; t++) { jb[t] = min(x0 + t, params.n - 1u) * d4; }
  var acc: SgAcc32;
  var qn = vec4<f32>(); // component i: ||Q[q0 + 8 i + (sid mod 8)]||^2 (L2)
  var xn: array<f32, 8>;
  for (var k4 = 0u; k4 < d4; k4++) {
    var m: array<vec4<f32>, 4>;
    for (var i = 0u; i < 4u; i++) { m[i] = rg_a(iq[i] + k4); }
    var b: array<vec4<f32>, 8>;
    for (var t = 0u; t < 8u; t++) { b[t] = rg_b(jb[t] + k4); }
    if (METRIC_L2 == 1u) {
      for (var i = 0u; i < 4u; i++) { qn[i] = rg_dot4(m[i], m[i], qn[i]); }
      for (var t = 0u; t < 8u; t++) { xn[t] = rg_dot4(b[t], b[t], xn[t]); }
    }
    sg_step32(m, b, &acc);
  }
  let qa = sg_gather32(qn); // the 32 query norms
  for (var r = 0u; r < 32u; r++) {
    if (q0 + r < params.nq) {
      for (var t = 0u; t < 8u; t++) {
        if (x0 + t < params.n) {
          var s = acc[r][t];
          if (METRIC_L2 == 1u) { s = max(qa[r] + xn[t] - 2.0 * s, 0.0); }
          out[(q0 + r) * params.n + x0 + t] = s;
        }
      }
    }
  }
}
