// Module: the tiled-product shape of scores, kmeans_assign and ag_bmm. A workgroup of 16 x 16 invocations
// computes a 64 x 64 block of acc(i, j) = sum_k A(i, k) B(k, j); invocation (x, y) holds rows y + 16 r and
// columns x + 16 c (r, c < 4) in registers. The depth k is walked in slabs of TP_DEPTH: the kernel stages a
// slab of A ([k][i]) and of B ([k][j]) in tp_a / tp_b, neighbouring invocations loading neighbouring
// addresses, and tp_accumulate adds the slab's products (with optional norms of the rows and columns).
const TP_DEPTH: u32 = 16u;
var<workgroup> tp_a: array<array<f32, 65>, 16>; // [k][row of A], padded against bank conflicts
var<workgroup> tp_b: array<array<f32, 65>, 16>; // [k][column of B]

/** One invocation's registers: its 4 x 4 block, and the norms of its 4 rows of A (an) and 4 columns of B (bn). */
struct TileAcc { acc: array<array<f32, 4>, 4>, an: array<f32, 4>, bn: array<f32, 4> }

/** Adds values k < depth of the staged slab: acc += a b, an += a^2 (aNorm 1) or a (aNorm 2), bn += b^2 (bNorm 1). */
fn tp_accumulate(lid: vec3<u32>, depth: u32, t: ptr<function, TileAcc>, aNorm: u32, bNorm: u32) {
  for (var k = 0u; k < depth; k++) {
    var a: array<f32, 4>;
    var b: array<f32, 4>;
    for (var i = 0u; i < 4u; i++) { a[i] = tp_a[k][lid.y + 16u * i]; b[i] = tp_b[k][lid.x + 16u * i]; }
    for (var i = 0u; i < 4u; i++) {
      if (aNorm == 1u) { (*t).an[i] += a[i] * a[i]; }
      if (aNorm == 2u) { (*t).an[i] += a[i]; }
      if (bNorm == 1u) { (*t).bn[i] += b[i] * b[i]; }
      for (var j = 0u; j < 4u; j++) { (*t).acc[i][j] += a[i] * b[j]; }
    }
  }
}
