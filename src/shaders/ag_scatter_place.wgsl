// Autograd gatherRows backward, step 2: perm[offset[key * nchunks + chunk] + rank] = element. After this the
// elements of each key lie together in perm, in their original order (a stable counting sort).
#include "lib/grid.wgsl"
struct Params { nb: u32, n: u32, nchunks: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> idx: array<i32>;
@group(0) @binding(2) var<storage, read> rank: array<u32>;
@group(0) @binding(3) var<storage, read> offsets: array<u32>;
@group(0) @binding(4) var<storage, read_write> perm: array<u32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let i = grid_item(grid, lid, 256u);
  if (i >= params.nb) { return; }
  let r = idx[i];
  if (r < 0 || u32(r) >= params.n) { return; }
  perm[offsets[u32(r) * params.nchunks + i / 256u] + rank[i]] = i;
}
