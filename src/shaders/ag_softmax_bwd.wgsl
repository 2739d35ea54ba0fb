// Autograd softmax / logSoftmax backward, per row of `len`, given the forward output y and upstream g:
// mode 0 (y = softmax):    dx = y * (g - sum(g * y)) / tau
// mode 1 (y = logSoftmax): dx = (g - exp(y) * sum(g)) / tau
// Also the backward of straightThroughAssign (mode 0 with y = the soft assignment p).
// 64 rows per workgroup: the row sums come from lib/row_tile.wgsl, then dx is written elementwise (coalesced).
#include "lib/grid.wgsl"
#include "lib/row_tile.wgsl"
struct Params { rows: u32, len: u32, invTau: f32, mode: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

var<workgroup> rowTot: array<f32, 64>;

fn row_tile_value(i: u32) -> f32 {
  if (params.mode == 0u) { return g[i] * y[i]; }
  return g[i];
}

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let r0 = grid_group(grid) * 64u;
  if (r0 >= params.rows) { return; }
  let len = params.len;
  rowTot[lid] = row_tile_sum(r0, lid, params.rows, len);
  workgroupBarrier();
  let nr = min(64u, params.rows - r0);
  for (var e = lid; e < nr * len; e += 64u) {
    let i = r0 * len + e;
    let t = rowTot[e / len];
    if (params.mode == 0u) { dx[i] = y[i] * (g[i] - t) * params.invTau; }
    else { dx[i] = (g[i] - exp(y[i]) * t) * params.invTau; }
  }
}
