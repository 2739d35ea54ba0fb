// Nearest-centroid assignment for dsub a multiple of 4 (the contract of lib/nearest.wgsl, the results of
// kmeans_assign_vec4 bit for bit) on an adapter with subgroups of at least 8 invocations. Each invocation takes 4
// points of group wid.y (4 (64 wid.x + lid) + t) and walks the centroids in blocks of 16: per vec4 of depth, lanes
// 0..7 of each subgroup load the block's 16 centroid vectors and subgroupBroadcast shares them (lib/sg_tile.wgsl,
// A = the block's centroids, B = the points), so a lane loads 2 + 4 vectors per 256 products where the 4 x 4
// register tile loads 8 per 64. Running bests per point, centroids in increasing order with strict comparisons
// (ties keep the lowest index).
enable subgroups;
#include "lib/kmeans_vec4_io.wgsl"
#include "lib/kmeans_metric.wgsl"
#include "lib/sg_tile.wgsl"

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) sid: u32) {
  let g = wid.y;
  let k = params.k;
  let d4 = params.dsub / 4u;
  let p0 = (wid.x * 64u + lid) * 4u;
  let ip = kmeans_ip();
  let ia = kv_points(p0, g, d4);
  let xn = kv_norms(ia, d4, ip);
  let w = kv_worst(ip);
  var best = KvBest(array<f32, 4>(w, w, w, w), array<u32, 4>());
  // acc[j][t] = <centroid c0 + j, point t>, declared outside the block loop and zeroed explicitly per block (a
  // var declared inside the loop kept its last block's values on lavapipe)
  var acc: SgAcc;
  for (var c0 = 0u; c0 < k; c0 += 16u) {
    acc = SgAcc();
    let jc0 = (g * k + min(c0 + (sid & 7u), k - 1u)) * d4;
    let jc1 = (g * k + min(c0 + 8u + (sid & 7u), k - 1u)) * d4;
    var cn0 = 0.0; // ||c||^2 of centroids c0 + (sid mod 8) and c0 + 8 + (sid mod 8) (L2)
    var cn1 = 0.0;
    for (var k4 = 0u; k4 < d4; k4++) {
      let m0 = rg_b(jc0 + k4);
      let m1 = rg_b(jc1 + k4);
      var a: array<vec4<f32>, 4>;
      for (var t = 0u; t < 4u; t++) { a[t] = rg_a(ia[t] + k4); }
      if (!ip) { cn0 = rg_dot4(m0, m0, cn0); cn1 = rg_dot4(m1, m1, cn1); }
      sg_step(m0, m1, a, &acc);
    }
    let cn = sg_gather16(cn0, cn1);
    for (var j = 0u; j < 16u; j++) { kv_take(&best, c0 + j, c0 + j < k, cn[j], acc[j], ip); }
  }
  kv_write(p0, g, best.v, best.i, xn, ip);
}
