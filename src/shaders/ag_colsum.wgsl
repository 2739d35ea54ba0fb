// Autograd: gradient of a broadcast operand. out[j] = beta * sum_r g[r * bn + j] over the rows r < rows.
// One invocation per column j: neighbouring invocations read neighbouring addresses in every row.
#include "lib/grid.wgsl"
struct Params { rows: u32, bn: u32, beta: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let j = grid_item(grid, lid, 256u);
  if (j >= params.bn) { return; }
  var s = 0.0;
  for (var r = 0u; r < params.rows; r++) { s += g[r * params.bn + j]; }
  out[j] = params.beta * s;
}
