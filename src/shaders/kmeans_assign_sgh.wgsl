// Nearest-centroid assignment for dsub = 4 D4 with D4 in 1..4 (PQ sub-spaces; the contract of lib/nearest.wgsl,
// the results of kmeans_assign_vec4 bit for bit) on an adapter with subgroups of at least 8 invocations. Each
// invocation holds 8 points of group wid.y (8 (64 wid.x + lid) + t) in registers, loaded once; the centroids go
// by in blocks of 8: lane s of each subgroup loads centroid c0 + (s mod 8) whole (D4 vectors) with its squared
// norm, and subgroupBroadcast hands lane r's centroid to every lane, so a lane loads D4 vectors per 8 centroids x
// 8 points. Every inner product is one fma chain in increasing depth from 0 (rg_dot4), the chains of the other
// assignment kernels. Running bests per point, centroids in increasing order with strict comparisons (ties keep
// the lowest index). dsub 4 (D4 = 1) takes each block as two quads (sgh_quad) and two blocks per loop iteration.
// With CODES (pqEncode) only the indices are written, group-major: assign[g n + i].
enable subgroups;
#include "lib/kmeans_vec4_io.wgsl"
#include "lib/kmeans_metric.wgsl"

/** vec4 per sub-vector (dsub / 4), set per pipeline so that every depth loop has constant bounds. */
override D4: u32 = 4u;

/** pqEncode's output: only the indices, as assign[g * n + i] (no score); else lib/nearest.wgsl's assign and score. */
override CODES: bool = false;

/** Points per invocation: 4 PB. */
const PB: u32 = 2u;

/** 4 PB points x up to 4 vec4: the held sub-vectors. */
alias Held = array<array<vec4<f32>, 4>, 4u * PB>;

/** Takes centroid c (vectors b[0..D4), squared norm cn, skipped unless valid) for the held points. */
fn sgh_take(best: ptr<function, array<KvBest, PB>>, xa: ptr<function, Held>, b: array<vec4<f32>, 4>,
            cn: f32, c: u32, valid: bool, ip: bool) {
  for (var q = 0u; q < PB; q++) {
    var d = array<f32, 4>();
    for (var k4 = 0u; k4 < D4; k4++) {
      for (var t = 0u; t < 4u; t++) { d[t] = rg_dot4((*xa)[4u * q + t][k4], b[k4], d[t]); }
    }
    kv_take(&(*best)[q], c, valid, cn, d, ip);
  }
}

/** dsub 4 (D4 = 1): takes centroids c .. c + 3 (vectors b[j], half squared norms hn[j], those from k on skipped)
 *  for the held points, point by point: each point's 4 inner products, then its 4 takes in increasing centroid
 *  order, so a point's vector is used 4 times in a row. For L2 the running bests hold half of kv_take's values:
 *  hn - <x, c> = (||c||^2 - 2 <x, c>) / 2 exactly (scaling by 2 is exact away from the ends of the float range),
 *  so the comparisons and the ties are kv_take's, with one subtraction per product where kv_take's value takes
 *  two. */
fn sgh_quad(best: ptr<function, array<KvBest, PB>>, xa: ptr<function, Held>, b: array<vec4<f32>, 4>,
            hn: vec4<f32>, c: u32, k: u32, ip: bool) {
  for (var q = 0u; q < PB; q++) {
    for (var t = 0u; t < 4u; t++) {
      var d = array<f32, 4>();
      for (var j = 0u; j < 4u; j++) { d[j] = rg_dot4((*xa)[4u * q + t][0], b[j], 0.0); }
      for (var j = 0u; j < 4u; j++) {
        let v = select(hn[j] - d[j], d[j], ip);
        let better = c + j < k && select((v < (*best)[q].v[t]), (v > (*best)[q].v[t]), ip);
        (*best)[q].v[t] = select((*best)[q].v[t], v, better);
        (*best)[q].i[t] = select((*best)[q].i[t], c + j, better);
      }
    }
  }
}

/** dsub 4: takes the block of centroids c0 .. c0 + 7 (those from k on skipped) as two quads: lane s loads centroid
 *  c0 + (s mod 8) (clamped to k - 1) and half its squared norm (L2), shared by subgroupBroadcast. */
fn sgh_block4(best: ptr<function, array<KvBest, PB>>, xa: ptr<function, Held>, c0: u32, g: u32, k: u32, sid: u32, ip: bool) {
  let m = cent[g * k + min(c0 + (sid & 7u), k - 1u)];
  let h = select(0.5 * rg_dot4(m, m, 0.0), 0.0, ip);
  let b0 = array<vec4<f32>, 4>(subgroupBroadcast(m, 0u), subgroupBroadcast(m, 1u), subgroupBroadcast(m, 2u), subgroupBroadcast(m, 3u));
  let h0 = vec4<f32>(subgroupBroadcast(h, 0u), subgroupBroadcast(h, 1u), subgroupBroadcast(h, 2u), subgroupBroadcast(h, 3u));
  sgh_quad(best, xa, b0, h0, c0, k, ip);
  let b4 = array<vec4<f32>, 4>(subgroupBroadcast(m, 4u), subgroupBroadcast(m, 5u), subgroupBroadcast(m, 6u), subgroupBroadcast(m, 7u));
  let h4 = vec4<f32>(subgroupBroadcast(h, 4u), subgroupBroadcast(h, 5u), subgroupBroadcast(h, 6u), subgroupBroadcast(h, 7u));
  sgh_quad(best, xa, b4, h4, c0 + 4u, k, ip);
}

/** Lane r's 4 vectors m on every lane (r a constant). */
fn sgh_b0(m: array<vec4<f32>, 4>) -> array<vec4<f32>, 4> {
  return array<vec4<f32>, 4>(subgroupBroadcast(m[0], 0u), subgroupBroadcast(m[1], 0u), subgroupBroadcast(m[2], 0u), subgroupBroadcast(m[3], 0u));
}
fn sgh_b1(m: array<vec4<f32>, 4>) -> array<vec4<f32>, 4> {
  return array<vec4<f32>, 4>(subgroupBroadcast(m[0], 1u), subgroupBroadcast(m[1], 1u), subgroupBroadcast(m[2], 1u), subgroupBroadcast(m[3], 1u));
}
fn sgh_b2(m: array<vec4<f32>, 4>) -> array<vec4<f32>, 4> {
  return array<vec4<f32>, 4>(subgroupBroadcast(m[0], 2u), subgroupBroadcast(m[1], 2u), subgroupBroadcast(m[2], 2u), subgroupBroadcast(m[3], 2u));
}
fn sgh_b3(m: array<vec4<f32>, 4>) -> array<vec4<f32>, 4> {
  return array<vec4<f32>, 4>(subgroupBroadcast(m[0], 3u), subgroupBroadcast(m[1], 3u), subgroupBroadcast(m[2], 3u), subgroupBroadcast(m[3], 3u));
}
fn sgh_b4(m: array<vec4<f32>, 4>) -> array<vec4<f32>, 4> {
  return array<vec4<f32>, 4>(subgroupBroadcast(m[0], 4u), subgroupBroadcast(m[1], 4u), subgroupBroadcast(m[2], 4u), subgroupBroadcast(m[3], 4u));
}
fn sgh_b5(m: array<vec4<f32>, 4>) -> array<vec4<f32>, 4> {
  return array<vec4<f32>, 4>(subgroupBroadcast(m[0], 5u), subgroupBroadcast(m[1], 5u), subgroupBroadcast(m[2], 5u), subgroupBroadcast(m[3], 5u));
}
fn sgh_b6(m: array<vec4<f32>, 4>) -> array<vec4<f32>, 4> {
  return array<vec4<f32>, 4>(subgroupBroadcast(m[0], 6u), subgroupBroadcast(m[1], 6u), subgroupBroadcast(m[2], 6u), subgroupBroadcast(m[3], 6u));
}
fn sgh_b7(m: array<vec4<f32>, 4>) -> array<vec4<f32>, 4> {
  return array<vec4<f32>, 4>(subgroupBroadcast(m[0], 7u), subgroupBroadcast(m[1], 7u), subgroupBroadcast(m[2], 7u), subgroupBroadcast(m[3], 7u));
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) sid: u32) {
  let g = wid.y;
  let k = params.k;
  let p0 = (wid.x * 64u + lid) * 4u * PB;
  let ip = kmeans_ip();
  let w = kv_worst(ip);
  // the 8 points (rows past the end clamped to the last row) and their squared norms (L2), one chain each
  var xa: Held;
  var xn = array<f32, 4u * PB>();
  for (var t = 0u; t < 4u * PB; t++) {
    let at = (min(p0 + t, params.n - 1u) * params.groups + g) * D4;
    for (var k4 = 0u; k4 < D4; k4++) {
      let a = x[at + k4];
      xa[t][k4] = a;
      if (!ip) { xn[t] = rg_dot4(a, a, xn[t]); }
    }
  }
  let half = D4 == 1u && !ip; // sgh_quad's half values
  let w0 = select(w, 0.5 * w, half);
  var best: array<KvBest, PB>;
  for (var q = 0u; q < PB; q++) { best[q] = KvBest(array<f32, 4>(w0, w0, w0, w0), array<u32, 4>()); }
  if (D4 == 1u) {
    // two blocks per iteration: half the loop's per-iteration cost
    for (var c0 = 0u; c0 < k; c0 += 16u) {
      sgh_block4(&best, &xa, c0, g, k, sid, ip);
      sgh_block4(&best, &xa, c0 + 8u, g, k, sid, ip);
    }
  } else {
    for (var c0 = 0u; c0 < k; c0 += 8u) {
      let jc = (g * k + min(c0 + (sid & 7u), k - 1u)) * D4;
      var m = array<vec4<f32>, 4>();
      var cn = 0.0; // ||c||^2 of centroid c0 + (sid mod 8) (L2)
      for (var k4 = 0u; k4 < D4; k4++) {
        m[k4] = cent[jc + k4];
        if (!ip) { cn = rg_dot4(m[k4], m[k4], cn); }
      }
      sgh_take(&best, &xa, sgh_b0(m), subgroupBroadcast(cn, 0u), c0, c0 < k, ip);
      sgh_take(&best, &xa, sgh_b1(m), subgroupBroadcast(cn, 1u), c0 + 1u, c0 + 1u < k, ip);
      sgh_take(&best, &xa, sgh_b2(m), subgroupBroadcast(cn, 2u), c0 + 2u, c0 + 2u < k, ip);
      sgh_take(&best, &xa, sgh_b3(m), subgroupBroadcast(cn, 3u), c0 + 3u, c0 + 3u < k, ip);
      sgh_take(&best, &xa, sgh_b4(m), subgroupBroadcast(cn, 4u), c0 + 4u, c0 + 4u < k, ip);
      sgh_take(&best, &xa, sgh_b5(m), subgroupBroadcast(cn, 5u), c0 + 5u, c0 + 5u < k, ip);
      sgh_take(&best, &xa, sgh_b6(m), subgroupBroadcast(cn, 6u), c0 + 6u, c0 + 6u < k, ip);
      sgh_take(&best, &xa, sgh_b7(m), subgroupBroadcast(cn, 7u), c0 + 7u, c0 + 7u < k, ip);
    }
  }
  for (var q = 0u; q < PB; q++) {
    if (CODES) {
      for (var t = 0u; t < 4u; t++) {
        if (p0 + 4u * q + t < params.n) { assign[g * params.n + p0 + 4u * q + t] = best[q].i[t]; }
      }
    } else {
      let v = best[q].v;
      let f = select(1.0, 2.0, half); // back to whole values, exactly
      kv_write(p0 + 4u * q, g, array<f32, 4>(f * v[0], f * v[1], f * v[2], f * v[3]), best[q].i,
               array<f32, 4>(xn[4u * q], xn[4u * q + 1u], xn[4u * q + 2u], xn[4u * q + 3u]), ip);
    }
  }
}
