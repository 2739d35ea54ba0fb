// Batched query-by-vector scores: out[q * n + j] = <Q[q], X[j]> (metric 0, inner product)
// or ||Q[q] - X[j]||^2 (metric 1, squared L2). Q is nq x d, X is n x d, both row-major.
// Each workgroup computes a 64 x 64 tile of the output (lib/tile_rows.wgsl): A = Q, B = X^T.
#include "lib/tile_rows.wgsl"
struct Params { nq: u32, n: u32, d: u32, metric: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn tp_a_value(i: u32, k: u32) -> f32 {
  if (k < params.d && i < params.nq) { return q[i * params.d + k]; }
  return 0.0;
}

fn tp_b_value(j: u32, k: u32) -> f32 {
  if (k < params.d && j < params.n) { return x[j * params.d + k]; }
  return 0.0;
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let q0 = wid.y * 64u;
  let x0 = wid.x * 64u;
  var t = TileAcc();
  tp_rows_product(lid, q0, x0, params.d, &t, 1u, 1u);
  for (var i = 0u; i < 4u; i++) {
    let qi = q0 + lid.y + 16u * i;
    if (qi >= params.nq) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let xj = x0 + lid.x + 16u * j;
      if (xj >= params.n) { continue; }
      var s = t.acc[i][j];
      if (params.metric == 1u) { s = max(t.an[i] + t.bn[j] - 2.0 * s, 0.0); }
      out[qi * params.n + xj] = s;
    }
  }
}
