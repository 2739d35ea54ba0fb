// k-means update: centroid = (sum of its members) * (1 / size), as Faiss's compute_centroids; empty clusters get 0
// and are then re-seeded by kmeans_split.
#include "lib/grid.wgsl"
struct Params { groups: u32, k: u32, dsub: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> acc: array<f32>;
@group(0) @binding(2) var<storage, read> total: array<u32>;
@group(0) @binding(3) var<storage, read_write> cent: array<f32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let t = grid_item(grid, lid, 256u);
  if (t >= params.groups * params.k * params.dsub) { return; }
  let cnt = total[t / params.dsub];
  var v = 0.0;
  if (cnt > 0u) { v = acc[t] * (1.0 / f32(cnt)); }
  cent[t] = v;
}
