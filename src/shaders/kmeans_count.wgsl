// k-means member lists, step 1: cluster sizes. For each (row i, group g) of a chunk, with c = assign[i*G+g]:
// count[g*k + c] += 1 (this chunk) and total[g*k + c] += 1 (all chunks of the iteration). Integer atomics only.
#include "lib/grid.wgsl"
struct Params { rows: u32, groups: u32, k: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> assign: array<u32>;
@group(0) @binding(2) var<storage, read_write> count: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> total: array<atomic<u32>>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let t = grid_item(grid, lid, 256u);
  if (t >= params.rows * params.groups) { return; }
  let g = t % params.groups;
  let c = min(assign[t], params.k - 1u);
  atomicAdd(&count[g * params.k + c], 1u);
  atomicAdd(&total[g * params.k + c], 1u);
}
