// k-means update: per-cluster sums without float atomics. One invocation per (group, centroid, dim) adds up that
// dim over the cluster's members of this chunk, in the order of the member list (row order, kmeans_place), and
// accumulates into acc (cleared per iteration), so every sum has a fixed order.
// Neighbouring invocations read neighbouring dims of the same member row. Work is O(rows * D) per chunk.
#include "lib/grid.wgsl"
struct Params { groups: u32, k: u32, dsub: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> members: array<u32>;
@group(0) @binding(3) var<storage, read> offsets: array<u32>;
@group(0) @binding(4) var<storage, read> count: array<u32>;
@group(0) @binding(5) var<storage, read_write> acc: array<f32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let t = grid_item(grid, lid, 256u);
  let dsub = params.dsub;
  if (t >= params.groups * params.k * dsub) { return; }
  let gc = t / dsub;
  let j = t - gc * dsub;
  let g = gc / params.k;
  let D = params.groups * dsub;
  let col = g * dsub + j;
  let start = offsets[gc];
  let end = start + count[gc];
  var s = 0.0;
  for (var m = start; m < end; m++) { s += x[members[m] * D + col]; }
  acc[t] += s;
}
