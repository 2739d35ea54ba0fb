// Module: the bindings of the register-tile nearest-centroid kernels for dsub a multiple of 4 (kmeans_assign_vec4,
// kmeans_assign_sg; the contract of lib/nearest.wgsl): points x (n x groups * dsub) and centroids (groups x k x
// dsub) as vec4, the outputs assign and score, and the register-tile module reading A from x and B from cent.
#include "lib/reg_tile.wgsl"
struct Params { n: u32, groups: u32, k: u32, dsub: u32, metric: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> cent: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> assign: array<u32>;
@group(0) @binding(4) var<storage, read_write> score: array<f32>;

fn rg_a(at: u32) -> vec4<f32> { return x[at]; }
fn rg_b(at: u32) -> vec4<f32> { return cent[at]; }

/** No centroid scores worse than this (+-inf never wins). */
fn kv_worst(ip: bool) -> f32 { return select(3.4e38, -3.4e38, ip); }

/** The vec4 offsets of the 4 points p0 + t of group g (rows past the end clamped to the last row). */
fn kv_points(p0: u32, g: u32, d4: u32) -> array<u32, 4> {
  var ia: array<u32, 4>;
  for (var t = 0u; t < 4u; t++) { ia[t] = (min(p0 + t, params.n - 1u) * params.groups + g) * d4; }
  return ia;
}

/** ||x||^2 of the 4 points at ia (L2; 0 for inner product), one fma chain each in increasing depth. */
fn kv_norms(ia: array<u32, 4>, d4: u32, ip: bool) -> array<f32, 4> {
  var xn = array<f32, 4>();
  if (!ip) {
    for (var k4 = 0u; k4 < d4; k4++) {
      for (var t = 0u; t < 4u; t++) { let a = x[ia[t] + k4]; xn[t] = rg_dot4(a, a, xn[t]); }
    }
  }
  return xn;
}

/** Writes the bests (bv, bi) of points p0 + t < n of group g: the score is the inner product or
 *  max(||x||^2 + bv, 0), NaN when nothing beat the sentinel (a NaN input). */
fn kv_write(p0: u32, g: u32, bv: array<f32, 4>, bi: array<u32, 4>, xn: array<f32, 4>, ip: bool) {
  for (var t = 0u; t < 4u; t++) {
    if (p0 + t < params.n) {
      let o = (p0 + t) * params.groups + g;
      assign[o] = bi[t];
      let s = select(max(xn[t] + bv[t], 0.0), bv[t], ip);
      score[o] = select(s, bitcast<f32>(0x7fc00000u + params.metric * 0u), bv[t] == kv_worst(ip));
    }
  }
}

/** Running bests of 4 points: value and centroid index. */
struct KvBest { v: array<f32, 4>, i: array<u32, 4> }

/** Takes centroid c (skipped unless valid) with squared norm cn and inner products ip_t with the 4 points: its
 *  value is the inner product (ip) or cn - 2 <x, c>; strict comparisons keep the lowest index on ties when the
 *  centroids come in increasing order. */
fn kv_take(b: ptr<function, KvBest>, c: u32, valid: bool, cn: f32, dots: array<f32, 4>, ip: bool) {
  for (var t = 0u; t < 4u; t++) {
    let v = select(cn - 2.0 * dots[t], dots[t], ip);
    let better = valid && select((v < (*b).v[t]), (v > (*b).v[t]), ip);
    (*b).v[t] = select((*b).v[t], v, better);
    (*b).i[t] = select((*b).i[t], c, better);
  }
}
