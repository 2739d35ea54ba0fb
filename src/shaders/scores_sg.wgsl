// Scores for d a multiple of 4 (the `scores` contract, same bits as scores_vec4) on an adapter with subgroups of
// at least 8 invocations (kernels/scores.ts checks the feature and subgroupMinSize). Workgroup (wid.x, wid.y)
// takes queries 16 wid.x + r (r < 16) against rows 4 (64 wid.y + lid) + t (t < 4) of X. Per vec4 of depth, lane s
// of every subgroup loads the vec4s of queries 16 wid.x + (s mod 8) and 16 wid.x + 8 + (s mod 8), and
// subgroupBroadcast hands lane r's vectors to all lanes, so two loads per lane bring 16 queries; each invocation
// then adds 16 x 4 products in registers. On a SIMD software GPU (lavapipe) every load costs per invocation and
// per component while a broadcast is a register move, so this needs 6 loads per 256 fma where the 4 x 4 register
// tile needs 8 per 64. Every output is one fma chain in increasing k from 0 (rg_dot4), so the bits equal
// scores_vec4's. Rows past the end are clamped to the last row for loading (every lane stays active for the
// broadcasts) and not written.
enable subgroups;
#include "lib/scores_vec4_io.wgsl"
#include "lib/sg_tile.wgsl"

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) sid: u32) {
  let d4 = params.d / 4u;
  let q0 = wid.x * 16u;
  let x0 = (wid.y * 64u + lid) * 4u;
  let iq0 = min(q0 + (sid & 7u), params.nq - 1u) * d4;
  let iq1 = min(q0 + 8u + (sid & 7u), params.nq - 1u) * d4;
  var jb: array<u32, 4>;
  for (var t = 0u; t < 4u; t++) { jb[t] = min(x0 + t, params.n - 1u) * d4; }
  var acc: SgAcc;
  var qn0 = 0.0; // ||Q[q0 + (sid mod 8)]||^2 and ||Q[q0 + 8 + (sid mod 8)]||^2 (L2)
  var qn1 = 0.0;
  var xn: array<f32, 4>;
  let l2 = params.metric == 1u;
  for (var k4 = 0u; k4 < d4; k4++) {
    let m0 = rg_a(iq0 + k4);
    let m1 = rg_a(iq1 + k4);
    var b: array<vec4<f32>, 4>;
    for (var t = 0u; t < 4u; t++) { b[t] = rg_b(jb[t] + k4); }
    if (l2) {
      qn0 = rg_dot4(m0, m0, qn0);
      qn1 = rg_dot4(m1, m1, qn1);
      for (var t = 0u; t < 4u; t++) { xn[t] = rg_dot4(b[t], b[t], xn[t]); }
    }
    sg_step(m0, m1, b, &acc);
  }
  let qn = sg_gather16(qn0, qn1); // the 16 query norms
  for (var r = 0u; r < 16u; r++) {
    let an = qn[r];
    for (var t = 0u; t < 4u; t++) {
      if (q0 + r < params.nq && x0 + t < params.n) {
        var s = acc[r][t];
        if (l2) { s = max(an + xn[t] - 2.0 * s, 0.0); }
        out[(q0 + r) * params.n + x0 + t] = s;
      }
    }
  }
}
