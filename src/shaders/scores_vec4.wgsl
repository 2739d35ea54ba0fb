// Scores for d a multiple of 4 (the `scores` contract): out[q * n + j] = <Q[q], X[j]> (metric 0) or
// ||Q[q] - X[j]||^2 = max(||Q[q]||^2 + ||X[j]||^2 - 2 <Q[q], X[j]>, 0) (metric 1). Each invocation computes a
// 4 x 4 block in registers (lib/reg_tile.wgsl): queries 4 wid.x + i, rows 4 (64 wid.y + lid) + j. Consecutive
// workgroups share their 256 rows of X (cache-resident) and take the next queries. Rows past the end are clamped
// to the last row for loading and not written.
#include "lib/scores_vec4_io.wgsl"

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let d4 = params.d / 4u;
  let q0 = wid.x * 4u;
  let x0 = (wid.y * 64u + lid) * 4u;
  var ia: array<u32, 4>;
  var jb: array<u32, 4>;
  for (var r = 0u; r < 4u; r++) {
    ia[r] = min(q0 + r, params.nq - 1u) * d4;
    jb[r] = min(x0 + r, params.n - 1u) * d4;
  }
  var t = RegTile();
  let l2 = params.metric == 1u;
  if (l2) { rg_product(ia, jb, d4, &t, true, true); } else { rg_product(ia, jb, d4, &t, false, false); }
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 4u; j++) {
      if (q0 + i < params.nq && x0 + j < params.n) {
        var s = t.acc[i][j];
        if (l2) { s = max(t.an[i] + t.bn[j] - 2.0 * s, 0.0); }
        out[(q0 + i) * params.n + x0 + j] = s;
      }
    }
  }
}
