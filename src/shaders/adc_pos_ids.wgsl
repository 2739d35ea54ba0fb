// Replaces database positions by the vectors' ids, in place: out[i] = ids[out[i]] (-1 stays -1).
#include "lib/grid.wgsl"
struct Params { n: u32, _p0: u32, _p1: u32, _p2: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> ids: array<i32>;
@group(0) @binding(2) var<storage, read_write> out: array<i32>;

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let i = grid_item(grid, lid, 64u);
  if (i >= params.n) { return; }
  let p = out[i];
  if (p >= 0) { out[i] = ids[p]; }
}
