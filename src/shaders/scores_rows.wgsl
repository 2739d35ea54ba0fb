// Scores of a few query rows (the latency path of scores): out[q * n + j] = <Q[q], X[j]> (metric 0) or
// ||Q[q] - X[j]||^2 (metric 1). One invocation per output, walking k in the same order and with the same running
// sums (product, ||Q[q]||^2, ||X[j]||^2) as the tiled kernel, so both give the same bits; it skips the tiled
// kernel's 64-row tile, which for one query row is 64 times the work.
#include "lib/grid.wgsl"
struct Params { nq: u32, n: u32, d: u32, metric: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let o = grid_item(grid, lid, 64u);
  if (o >= params.nq * params.n) { return; }
  let qi = o / params.n;
  let xj = o % params.n;
  let d = params.d;
  var s = 0.0;
  var an = 0.0;
  var bn = 0.0;
  for (var k = 0u; k < d; k++) {
    let a = q[qi * d + k];
    let b = x[xj * d + k];
    an += a * a;
    bn += b * b;
    s += a * b;
  }
  if (params.metric == 1u) { s = max(an + bn - 2.0 * s, 0.0); }
  out[o] = s;
}
