// Copies selected rows of x (rows of D = groups*dsub floats) into per-group centroid layout:
// out[outOffset + (g*kOut + c0 + c)*dsub + j] = x[(idx[c] - srcRow0)*D + g*dsub + j] for c < count.
// With groups = 1 and dsub = D this is a plain row gather (training-set subsampling); otherwise it seeds the
// G x k x dsub centroids from k training rows.
#include "lib/grid.wgsl"
struct Params { count: u32, groups: u32, dsub: u32, kOut: u32, c0: u32, outOffset: u32, srcRow0: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let t = grid_item(grid, lid, 256u);
  let D = params.groups * params.dsub;
  if (t >= params.count * D) { return; }
  let c = t / D;
  let col = t - c * D;
  let g = col / params.dsub;
  let j = col - g * params.dsub;
  out[params.outOffset + (g * params.kOut + params.c0 + c) * params.dsub + j] = x[(idx[c] - params.srcRow0) * D + col];
}
