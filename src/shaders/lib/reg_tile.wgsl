// Module: register tiles of a dense product for rows stored as vec4 along the depth (d a multiple of 4), with no
// workgroup memory and no barriers. One invocation accumulates a 4 x 4 block acc[i][j] = <A(i), B(j)> in
// registers, loading per depth step one vec4 of each of its 4 rows of A and 4 rows of B (8 loads for 64 fma).
// Every output is one fma chain in increasing k, s = fma(a_k, b_k, s) from s = 0, the order of the tiled
// kernels (lib/tile_product.wgsl), so a 1 x 4 or 4 x 4 block gives the same bits. The kernel defines
// `fn rg_a(at: u32) -> vec4<f32>` and `fn rg_b(at: u32) -> vec4<f32>`: the vec4 at index `at` of A and of B.

/** One invocation's registers: its 4 x 4 block, and the squared norms of its 4 rows of A (an) and of B (bn). */
struct RegTile { acc: array<array<f32, 4>, 4>, an: array<f32, 4>, bn: array<f32, 4> }

/** s + a.x b.x + a.y b.y + a.z b.z + a.w b.w as a chain of fma, left to right. */
fn rg_dot4(a: vec4<f32>, b: vec4<f32>, s: f32) -> f32 {
  return fma(a.w, b.w, fma(a.z, b.z, fma(a.y, b.y, fma(a.x, b.x, s))));
}

/** Adds the products of rows A(i) (vec4 k4 at ia[i] + k4) and B(j) (at jb[j] + k4) over k4 < d4 to t.acc; with
 *  aNorm / bNorm also their squared norms to t.an / t.bn. Callers pass constant flags so no branch is left. */
fn rg_product(ia: array<u32, 4>, jb: array<u32, 4>, d4: u32, t: ptr<function, RegTile>, aNorm: bool, bNorm: bool) {
  for (var k4 = 0u; k4 < d4; k4++) {
    var a: array<vec4<f32>, 4>;
    var b: array<vec4<f32>, 4>;
    for (var r = 0u; r < 4u; r++) { a[r] = rg_a(ia[r] + k4); b[r] = rg_b(jb[r] + k4); }
    for (var i = 0u; i < 4u; i++) {
      if (aNorm) { (*t).an[i] = rg_dot4(a[i], a[i], (*t).an[i]); }
      if (bNorm) { (*t).bn[i] = rg_dot4(b[i], b[i], (*t).bn[i]); }
      for (var j = 0u; j < 4u; j++) { (*t).acc[i][j] = rg_dot4(a[i], b[j], (*t).acc[i][j]); }
    }
  }
}
