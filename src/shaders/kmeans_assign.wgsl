// Nearest-centroid assignment (lib/nearest.wgsl) for any k and dsub. Each workgroup takes 64 points of one
// group (wid.y) and walks over the centroids in tiles of 64, computing the 64 x 64 block of inner products
// like the `scores` kernel (lib/tile_rows.wgsl: A = the points' sub-vectors, B = the centroids) and keeping a
// running best per (invocation, point). The product's slab memory then holds the 16 partial bests of each point.
#include "lib/nearest.wgsl"
#include "lib/tile_rows.wgsl"

var<private> group: u32;

fn tp_a_value(i: u32, k: u32) -> f32 {
  if (k < params.dsub && i < params.n) { return x[i * params.groups * params.dsub + group * params.dsub + k]; }
  return 0.0;
}

fn tp_b_value(c: u32, k: u32) -> f32 {
  if (k < params.dsub && c < params.k) { return cent[(group * params.k + c) * params.dsub + k]; }
  return 0.0;
}

fn nearest_store(j: u32, point: u32, value: f32, index: f32) { tp_a[j][point] = value; tp_b[j][point] = index; }
fn nearest_value(j: u32, point: u32) -> f32 { return tp_a[j][point]; }
fn nearest_index(j: u32, point: u32) -> f32 { return tp_b[j][point]; }

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let p0 = wid.x * 64u;
  group = wid.y;
  let ip = params.metric == 0u;
  var nb = nearest_start(ip);
  var t = TileAcc();
  for (var c0 = 0u; c0 < params.k; c0 += 64u) {
    t.acc = array<array<f32, 4>, 4>();
    t.bn = array<f32, 4>();
    // ||x||^2 of the points rides along with the first tile
    tp_rows_product(lid, p0, c0, params.dsub, &t, select(0u, 1u, c0 == 0u), 1u);
    nearest_update(&nb, t.acc, t.bn, c0, lid.x, ip);
  }
  nb.xn = t.an;
  nearest_finish(nb, lid, p0, wid.y, ip);
}
