// Autograd scoresBatched backward for the queries: dq[b, k] = sum_c g[b, c] * x[b, c, k].
// One invocation per (b, k): neighbouring invocations read neighbouring addresses of each candidate row.
#include "lib/grid.wgsl"
struct Params { nb: u32, c: u32, d: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> dq: array<f32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let i = grid_item(grid, lid, 256u);
  if (i >= params.nb * params.d) { return; }
  let b = i / params.d;
  let k = i - b * params.d;
  var s = 0.0;
  for (var c = 0u; c < params.c; c++) { s += g[b * params.c + c] * x[(b * params.c + c) * params.d + k]; }
  dq[i] = s;
}
