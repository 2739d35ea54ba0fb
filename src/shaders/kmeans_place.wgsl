// k-means member lists, radix pass step 3 of 3 (lib/kmeans_radix.wgsl; step 2 is kmeans_scan over the counts of
// kmeans_rank, in (group, digit, tile) order): position pos of group g moves to
// dst[offsets[(g*buckets + digit)*tiles + pos/256] + rank[g*rows + pos]]. Positions with a smaller digit come
// first, and positions with the same digit keep their order (a stable counting sort).
#include "lib/grid.wgsl"
#include "lib/kmeans_radix.wgsl"
@group(0) @binding(3) var<storage, read> rank: array<u32>;
@group(0) @binding(4) var<storage, read> offsets: array<u32>;
@group(0) @binding(5) var<storage, read_write> dst: array<u32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let t = grid_item(grid, lid, 256u);
  if (t >= params.rows * params.groups) { return; }
  let g = t / params.rows;
  let pos = t - g * params.rows;
  let row = radix_row(g, pos);
  let d = radix_digit(g, row);
  dst[offsets[(g * params.buckets + d) * params.tiles + pos / 256u] + rank[t]] = row;
}
