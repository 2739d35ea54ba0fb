// Module: row-wise passes over a rows x len matrix, 64 rows per workgroup of 64 invocations, one row each.
// Columns are staged 32 at a time in a 64 x 32 tile of workgroup memory with coalesced loads (neighbouring
// invocations read neighbouring columns of a row); each invocation then walks its own row of the tile.
// The including kernel defines `fn row_tile_value(i: u32) -> f32`: the value of element i = row * len + col.
// Every invocation of the workgroup must call these functions (they hold barriers).
var<workgroup> rt_tile: array<array<f32, 33>, 64>; // [row][col], padded against bank conflicts

/** Stages columns [c0, c0 + 32) of rows [r0, r0 + 64) into rt_tile; zeros outside the matrix. */
fn row_tile_load(r0: u32, c0: u32, lid: u32, rows: u32, len: u32) {
  for (var k = 0u; k < 32u; k++) {
    let e = k * 64u + lid;
    let rr = e / 32u;
    let cc = e % 32u;
    var v = 0.0;
    if (r0 + rr < rows && c0 + cc < len) { v = row_tile_value((r0 + rr) * len + c0 + cc); }
    rt_tile[rr][cc] = v;
  }
}

/** The sum of row r0 + lid, added left to right. */
fn row_tile_sum(r0: u32, lid: u32, rows: u32, len: u32) -> f32 {
  var tot = 0.0;
  for (var c0 = 0u; c0 < len; c0 += 32u) {
    row_tile_load(r0, c0, lid, rows, len);
    workgroupBarrier();
    let cn = min(32u, len - c0);
    for (var cc = 0u; cc < cn; cc++) { tot += rt_tile[lid][cc]; }
    workgroupBarrier();
  }
  return tot;
}
