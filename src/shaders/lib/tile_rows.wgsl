// Module: the walk over k of lib/tile_product.wgsl for operands stored by rows along k (scores, kmeans_assign).
// The kernel defines `fn tp_a_value(i: u32, k: u32) -> f32` and `fn tp_b_value(j: u32, k: u32) -> f32`, each 0
// outside its operand; a slab is loaded as 64 rows x TP_DEPTH values of each, consecutive k across lid.x.
#include "lib/tile_product.wgsl"

/** Accumulates the 64 x 64 block of rows [i0, i0 + 64) of A and columns [j0, j0 + 64) of B over k < depth. */
fn tp_rows_product(lid: vec3<u32>, i0: u32, j0: u32, depth: u32, t: ptr<function, TileAcc>, aNorm: u32, bNorm: u32) {
  for (var k0 = 0u; k0 < depth; k0 += TP_DEPTH) {
    for (var r = 0u; r < 4u; r++) {
      let row = r * 16u + lid.y;
      tp_a[lid.x][row] = tp_a_value(i0 + row, k0 + lid.x);
      tp_b[lid.x][row] = tp_b_value(j0 + row, k0 + lid.x);
    }
    workgroupBarrier();
    tp_accumulate(lid, min(TP_DEPTH, depth - k0), t, aNorm, bNorm);
    workgroupBarrier();
  }
}
