// out[i * d + j] = x[i * d + j] - centroids[assign[i] * d + j]: residuals of n rows against their assigned
// centroid. One invocation per element; neighbouring invocations touch neighbouring addresses.
#include "lib/grid.wgsl"
struct Params { n: u32, d: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> centroids: array<f32>;
@group(0) @binding(3) var<storage, read> assign: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let t = grid_item(grid, lid, 256u);
  if (t >= params.n * params.d) { return; }
  let i = t / params.d;
  let j = t - i * params.d;
  out[t] = x[t] - centroids[assign[i] * params.d + j];
}
