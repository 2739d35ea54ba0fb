// Nearest-centroid assignment (lib/nearest.wgsl) for small problems (PQ sub-spaces), used when all k centroids
// of a group fit workgroup memory (ceil(k/64)*64 * dsub <= 2048 floats, dsub <= 16). The group's centroids
// (transposed, [dim][centroid], zero-padded to a multiple of 64) and the 64 points' sub-vectors are loaded once;
// the centroid loop then runs without barriers. Neighbouring invocations read neighbouring centroids (vector
// loads); the 4 points of an invocation are broadcast reads. `cs` then holds the partial bests.
#include "lib/nearest.wgsl"

var<workgroup> cs: array<f32, 2048>; // [j * kp + c]; afterwards the 64 x 16 partial bests (values, indices)
var<workgroup> xs: array<f32, 1024>; // [j * 64 + p]

fn nearest_store(j: u32, point: u32, value: f32, index: f32) { cs[j * 64u + point] = value; cs[1024u + j * 64u + point] = index; }
fn nearest_value(j: u32, point: u32) -> f32 { return cs[j * 64u + point]; }
fn nearest_index(j: u32, point: u32) -> f32 { return cs[1024u + j * 64u + point]; }

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let p0 = wid.x * 64u;
  let g = wid.y;
  let n = params.n;
  let k = params.k;
  let dsub = params.dsub;
  let D = params.groups * dsub;
  let ip = params.metric == 0u;
  let kp = (k + 63u) / 64u * 64u;
  let t = lid.y * 16u + lid.x;
  for (var e = t; e < kp * dsub; e += 256u) {
    let c = e / dsub;
    let j = e - c * dsub;
    var v = 0.0;
    if (c < k) { v = cent[(g * k + c) * dsub + j]; }
    cs[j * kp + c] = v;
  }
  for (var e = t; e < 64u * dsub; e += 256u) {
    let p = e / dsub;
    let j = e - p * dsub;
    var v = 0.0;
    if (p0 + p < n) { v = x[(p0 + p) * D + g * dsub + j]; }
    xs[j * 64u + p] = v;
  }
  workgroupBarrier();
  var nb = nearest_start(ip);
  var xr: array<array<f32, 16>, 4>;
  for (var i = 0u; i < 4u; i++) {
    for (var kk = 0u; kk < dsub; kk++) { let a = xs[kk * 64u + lid.y + 16u * i]; xr[i][kk] = a; nb.xn[i] += a * a; }
  }
  for (var c0 = 0u; c0 < k; c0 += 64u) {
    var acc = array<array<f32, 4>, 4>(); // zeroed for each tile
    var cn = array<f32, 4>();
    for (var kk = 0u; kk < dsub; kk++) {
      var b: array<f32, 4>;
      for (var j = 0u; j < 4u; j++) { b[j] = cs[kk * kp + c0 + lid.x + 16u * j]; cn[j] += b[j] * b[j]; }
      for (var i = 0u; i < 4u; i++) {
        let a = xr[i][kk];
        for (var j = 0u; j < 4u; j++) { acc[i][j] += a * b[j]; }
      }
    }
    nearest_update(&nb, acc, cn, c0, lid.x, ip);
  }
  workgroupBarrier(); // every invocation is done reading cs before it holds the partial bests
  nearest_finish(nb, lid, p0, g, ip);
}
