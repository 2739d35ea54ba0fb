// k-means update for dsub a multiple of 4: kmeans_sum with one invocation per (group, centroid, vec4 of dims),
// which adds up those 4 dims over the cluster's members of this chunk in the order of the member list (row order,
// kmeans_place) and accumulates into acc (cleared per iteration). Each component is the same sequence of float
// adds as kmeans_sum's, so the sums are the same bits; a member's index is loaded once per 4 dims.
#include "lib/grid.wgsl"
struct Params { groups: u32, k: u32, dsub: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> members: array<u32>;
@group(0) @binding(3) var<storage, read> offsets: array<u32>;
@group(0) @binding(4) var<storage, read> count: array<u32>;
@group(0) @binding(5) var<storage, read_write> acc: array<vec4<f32>>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let t = grid_item(grid, lid, 256u);
  let d4 = params.dsub / 4u;
  if (t >= params.groups * params.k * d4) { return; }
  let gc = t / d4;
  let j4 = t - gc * d4;
  let g = gc / params.k;
  let D4 = params.groups * d4;
  let col = g * d4 + j4;
  let start = offsets[gc];
  let end = start + count[gc];
  var s = vec4<f32>();
  for (var m = start; m < end; m++) { s += x[members[m] * D4 + col]; }
  acc[t] += s;
}
