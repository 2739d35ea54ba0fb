// The ids of global database positions held by one segment of the inverted lists (rows start .. end - 1):
// out[i] = ids[pos[i] - start] for those positions, -1 where pos[i] is -1; other elements are left as they are.
#include "lib/grid.wgsl"
struct Params { n: u32, start: u32, end: u32, _p0: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> pos: array<i32>;
@group(0) @binding(2) var<storage, read> ids: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<i32>;

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let i = grid_item(grid, lid, 64u);
  if (i >= params.n) { return; }
  let p = pos[i];
  if (p < 0) { out[i] = -1; return; }
  let u = u32(p);
  if (u >= params.start && u < params.end) { out[i] = ids[u - params.start]; }
}
