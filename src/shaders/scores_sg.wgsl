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

/** row + the 4 products of a with b[t], each one more step of its fma chain */
fn sg_row(a: vec4<f32>, b: array<vec4<f32>, 4>, row: array<f32, 4>) -> array<f32, 4> {
  return array<f32, 4>(rg_dot4(a, b[0], row[0]), rg_dot4(a, b[1], row[1]), rg_dot4(a, b[2], row[2]), rg_dot4(a, b[3], row[3]));
}

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
  var acc: array<array<f32, 4>, 16>;
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
    // subgroupBroadcast takes a constant lane
    acc[0] = sg_row(subgroupBroadcast(m0, 0u), b, acc[0]);
    acc[1] = sg_row(subgroupBroadcast(m0, 1u), b, acc[1]);
    acc[2] = sg_row(subgroupBroadcast(m0, 2u), b, acc[2]);
    acc[3] = sg_row(subgroupBroadcast(m0, 3u), b, acc[3]);
    acc[4] = sg_row(subgroupBroadcast(m0, 4u), b, acc[4]);
    acc[5] = sg_row(subgroupBroadcast(m0, 5u), b, acc[5]);
    acc[6] = sg_row(subgroupBroadcast(m0, 6u), b, acc[6]);
    acc[7] = sg_row(subgroupBroadcast(m0, 7u), b, acc[7]);
    acc[8] = sg_row(subgroupBroadcast(m1, 0u), b, acc[8]);
    acc[9] = sg_row(subgroupBroadcast(m1, 1u), b, acc[9]);
    acc[10] = sg_row(subgroupBroadcast(m1, 2u), b, acc[10]);
    acc[11] = sg_row(subgroupBroadcast(m1, 3u), b, acc[11]);
    acc[12] = sg_row(subgroupBroadcast(m1, 4u), b, acc[12]);
    acc[13] = sg_row(subgroupBroadcast(m1, 5u), b, acc[13]);
    acc[14] = sg_row(subgroupBroadcast(m1, 6u), b, acc[14]);
    acc[15] = sg_row(subgroupBroadcast(m1, 7u), b, acc[15]);
  }
  // the query norms of lanes 0..7: queries q0 + r (r < 8) and q0 + 8 + r
  var qn: array<f32, 16>;
  qn[0] = subgroupBroadcast(qn0, 0u); qn[1] = subgroupBroadcast(qn0, 1u); qn[2] = subgroupBroadcast(qn0, 2u); qn[3] = subgroupBroadcast(qn0, 3u);
  qn[4] = subgroupBroadcast(qn0, 4u); qn[5] = subgroupBroadcast(qn0, 5u); qn[6] = subgroupBroadcast(qn0, 6u); qn[7] = subgroupBroadcast(qn0, 7u);
  qn[8] = subgroupBroadcast(qn1, 0u); qn[9] = subgroupBroadcast(qn1, 1u); qn[10] = subgroupBroadcast(qn1, 2u); qn[11] = subgroupBroadcast(qn1, 3u);
  qn[12] = subgroupBroadcast(qn1, 4u); qn[13] = subgroupBroadcast(qn1, 5u); qn[14] = subgroupBroadcast(qn1, 6u); qn[15] = subgroupBroadcast(qn1, 7u);
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
