// Spherical k-means: scales each centroid (rows of dsub floats) to unit L2 norm, leaving zero rows as they are
// (Faiss's fvec_renorm_L2, used by Clustering::post_process_centroids when spherical).
#include "lib/grid.wgsl"
struct Params { rows: u32, dsub: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> cent: array<f32>;

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let r = grid_item(grid, lid, 64u);
  if (r >= params.rows) { return; }
  let base = r * params.dsub;
  var s = 0.0;
  for (var j = 0u; j < params.dsub; j++) { let v = cent[base + j]; s += v * v; }
  if (s > 0.0) {
    let inv = 1.0 / sqrt(s);
    for (var j = 0u; j < params.dsub; j++) { cent[base + j] *= inv; }
  }
}
