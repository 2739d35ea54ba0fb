// Module: the inputs of one pass of the stable LSD radix sort that builds the k-means member lists (kmeans_rank,
// kmeans_place). For each group g, the pass reorders the positions 0..rows-1 of the list: position pos holds row
// src[g*rows + pos] (row pos in the first pass), whose key is digit (c >> shift) & (buckets - 1) of its cluster
// c = min(assign[row*groups + g], k - 1). Rows are taken in tiles of 256 positions.
struct Params { rows: u32, groups: u32, k: u32, tiles: u32, shift: u32, buckets: u32, first: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> assign: array<u32>;
@group(0) @binding(2) var<storage, read> src: array<u32>;

/** The row at position pos of group g's list before this pass. */
fn radix_row(g: u32, pos: u32) -> u32 {
  if (params.first != 0u) { return pos; }
  return src[g * params.rows + pos];
}

/** This pass's digit of the cluster of row `row` in group g. */
fn radix_digit(g: u32, row: u32) -> u32 {
  let c = min(assign[row * params.groups + g], params.k - 1u);
  return (c >> params.shift) & (params.buckets - 1u);
}
