// k-means update, step 3 of 4: member lists. Row i of group g goes to members[cursor[g*k + c]++] (c its cluster),
// so the rows of each cluster lie contiguously (in no particular order) at offsets[g*k + c].
#include "lib/grid.wgsl"
struct Params { rows: u32, groups: u32, k: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> assign: array<u32>;
@group(0) @binding(2) var<storage, read_write> cursor: array<atomic<u32>>;
@group(0) @binding(3) var<storage, read_write> members: array<u32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let t = grid_item(grid, lid, 256u);
  if (t >= params.rows * params.groups) { return; }
  let i = t / params.groups;
  let g = t - i * params.groups;
  let c = min(assign[t], params.k - 1u);
  let pos = atomicAdd(&cursor[g * params.k + c], 1u);
  members[pos] = i;
}
