// Nearest-centroid assignment for dsub a multiple of 4, the contract of lib/nearest.wgsl (assign[i * G + g] = the
// best centroid of point i in group g: max inner product or min ||c||^2 - 2 <x, c>, ties to the lowest index;
// score = that inner product or max(||x||^2 + ||c||^2 - 2 <x, c>, 0); NaN scores never win, a point with no
// winner gets index 0 and score NaN) without workgroup memory: each invocation takes 4 points of group wid.y
// (4 (64 wid.x + lid) + t) and walks all centroids in blocks of 4, a 4 x 4 register tile per block
// (lib/reg_tile.wgsl: A = its points, B = the block's centroids), keeping its own running bests. With HELD = 1
// (dsub <= 16, PQ sub-spaces) it loads its points once into registers and then loads only centroids.
#include "lib/kmeans_vec4_io.wgsl"
const XR: u32 = 4u; // vec4 per point held in registers: dsub <= 16
/** 1: dsub <= 4 XR, the points are held in registers (set per pipeline, so the other path is compiled out). */
override HELD: u32 = 0u;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.y;
  let k = params.k;
  let d4 = params.dsub / 4u;
  let p0 = (wid.x * 64u + lid) * 4u;
  let ip = params.metric == 0u;
  let worst = kv_worst(ip);
  let ia = kv_points(p0, g, d4);
  let xn = kv_norms(ia, d4, ip);
  var bv = array<f32, 4>(worst, worst, worst, worst);
  var bi = array<u32, 4>();
  // dsub <= 16 (PQ sub-spaces): the 4 points stay in registers (XR vec4 each) and only centroids are loaded
  let held = HELD == 1u && d4 <= XR;
  var xa: array<array<vec4<f32>, XR>, 4>;
  if (held) {
    for (var t = 0u; t < 4u; t++) {
      for (var k4 = 0u; k4 < XR; k4++) { if (k4 < d4) { xa[t][k4] = x[ia[t] + k4]; } }
    }
  }
  for (var c0 = 0u; c0 < k; c0 += 4u) {
    var jb: array<u32, 4>;
    for (var j = 0u; j < 4u; j++) { jb[j] = (g * k + min(c0 + j, k - 1u)) * d4; }
    var tile = RegTile();
    if (held && d4 == 1u) { // dsub 4: no depth loop
      for (var j = 0u; j < 4u; j++) {
        let b = cent[jb[j]];
        tile.bn[j] = rg_dot4(b, b, 0.0);
        for (var t = 0u; t < 4u; t++) { tile.acc[t][j] = rg_dot4(xa[t][0], b, 0.0); }
      }
    } else if (held) {
      for (var k4 = 0u; k4 < XR; k4++) {
        if (k4 < d4) {
          for (var j = 0u; j < 4u; j++) {
            let b = cent[jb[j] + k4];
            tile.bn[j] = rg_dot4(b, b, tile.bn[j]);
            for (var t = 0u; t < 4u; t++) { tile.acc[t][j] = rg_dot4(xa[t][k4], b, tile.acc[t][j]); }
          }
        }
      }
    } else if (ip) { rg_product(ia, jb, d4, &tile, false, false); } else { rg_product(ia, jb, d4, &tile, false, true); }
    // centroids in increasing order and strict comparisons: ties keep the lowest index
    for (var j = 0u; j < 4u; j++) {
      let valid = c0 + j < k;
      for (var t = 0u; t < 4u; t++) {
        let v = select(tile.bn[j] - 2.0 * tile.acc[t][j], tile.acc[t][j], ip);
        let better = valid && select((v < bv[t]), (v > bv[t]), ip);
        bv[t] = select(bv[t], v, better);
        bi[t] = select(bi[t], c0 + j, better);
      }
    }
  }
  kv_write(p0, g, bv, bi, xn, ip);
}
