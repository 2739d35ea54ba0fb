// k-means member lists, radix pass step 1 of 3 (lib/kmeans_radix.wgsl): workgroup (g, tile) marks the positions
// of its tile by digit in a bit set (one bit per position, 8 words per digit; integer atomicOr, whose result does
// not depend on timing), then writes each position's stable rank, the number of earlier positions of the tile with
// the same digit, to rank[g*rows + pos], and each digit's count in the tile (0 included) to
// counts[(g*buckets + digit)*tiles + tile]. O(1) work per position; buckets <= 256.
#include "lib/grid.wgsl"
#include "lib/kmeans_radix.wgsl"
@group(0) @binding(3) var<storage, read_write> rank: array<u32>;
@group(0) @binding(4) var<storage, read_write> counts: array<u32>;

var<workgroup> seen: array<atomic<u32>, 2048>; // [digit * 8 + w]: bit b set = position 32w + b has the digit (zero-initialized)

/** How many positions of the tile before position p (0..256) have digit d. */
fn seen_before(d: u32, p: u32) -> u32 {
  var n = 0u;
  for (var w = 0u; w < p / 32u; w++) { n += countOneBits(atomicLoad(&seen[d * 8u + w])); }
  if (p % 32u != 0u) { n += countOneBits(atomicLoad(&seen[d * 8u + p / 32u]) & ((1u << (p % 32u)) - 1u)); }
  return n;
}

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let w = grid_group(grid);
  let g = w / params.tiles;
  let tile = w - g * params.tiles;
  let pos = tile * 256u + lid;
  let valid = g < params.groups && pos < params.rows;
  var d = 0u;
  if (valid) {
    d = radix_digit(g, radix_row(g, pos));
    atomicOr(&seen[d * 8u + lid / 32u], 1u << (lid % 32u));
  }
  workgroupBarrier();
  if (g >= params.groups) { return; }
  if (valid) { rank[g * params.rows + pos] = seen_before(d, lid); }
  if (lid < params.buckets) { counts[(g * params.buckets + lid) * params.tiles + tile] = seen_before(lid, 256u); }
}
