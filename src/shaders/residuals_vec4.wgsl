// out[i * d + j] = x[i * d + j] - centroids[assign[i] * d + j] for d a multiple of 4 (the rows as d4 = d / 4
// vec4s): residuals.wgsl with an invocation per V consecutive vec4s of one row (the last of a row may hold fewer)
// rather than per float. On a software GPU a workgroup costs more than its arithmetic: this needs 4 V times fewer.
#include "lib/grid.wgsl"
override V: u32 = 4u;
struct Params { n: u32, d4: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> centroids: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> assign: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let t = grid_item(grid, lid, 256u);
  let per = (params.d4 + V - 1u) / V; // invocations per row
  if (t >= params.n * per) { return; }
  let i = t / per;
  let j0 = (t - i * per) * V;
  let o = assign[i] * params.d4;
  for (var j = j0; j < min(j0 + V, params.d4); j++) { out[i * params.d4 + j] = x[i * params.d4 + j] - centroids[o + j]; }
}
