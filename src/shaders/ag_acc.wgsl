// Autograd gradient accumulation in place: acc[i] += g[i] (a tensor that feeds several ops).
#include "lib/grid.wgsl"
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> acc: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let i = grid_item(grid, lid, 256u);
  if (i < params.n) { acc[i] = acc[i] + g[i]; }
}
