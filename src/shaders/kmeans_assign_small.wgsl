// kmeans_assign for small problems (PQ sub-spaces): same contract and results as kmeans_assign.wgsl, used when
// all k centroids of a group fit workgroup memory (ceil(k/64)*64 * dsub <= 2048 floats, dsub <= 16). The group's
// centroids (transposed, [dim][centroid], zero-padded to a multiple of 64) and the 64 points' sub-vectors are
// loaded once; the centroid loop then runs without barriers. Neighbouring invocations read neighbouring
// centroids (vector loads); the 4 points of an invocation are broadcast reads.
struct Params { n: u32, groups: u32, k: u32, dsub: u32, metric: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> cent: array<f32>;
@group(0) @binding(3) var<storage, read_write> assign: array<u32>;
@group(0) @binding(4) var<storage, read_write> score: array<f32>;

var<workgroup> cs: array<f32, 2048>; // [j * kp + c]; afterwards the 64 x 16 partial bests (values, indices)
var<workgroup> xs: array<f32, 1024>; // [j * 64 + p]
var<workgroup> xsq: array<f32, 64>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let p0 = wid.x * 64u;
  let g = wid.y;
  let n = params.n;
  let k = params.k;
  let dsub = params.dsub;
  let D = params.groups * dsub;
  let ip = params.metric == 0u;
  let worst = select(3.4e38, -3.4e38, ip); // no centroid scores worse than this (+-inf never wins)
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
  var bv: array<f32, 4>;
  var bi: array<u32, 4>;
  var xn: array<f32, 4>;
  var xr: array<array<f32, 16>, 4>;
  for (var i = 0u; i < 4u; i++) {
    bv[i] = worst; bi[i] = 0u; xn[i] = 0.0;
    for (var kk = 0u; kk < dsub; kk++) { let a = xs[kk * 64u + lid.y + 16u * i]; xr[i][kk] = a; xn[i] += a * a; }
  }
  for (var c0 = 0u; c0 < k; c0 += 64u) {
    var acc: array<array<f32, 4>, 4>;
    var cn: array<f32, 4>;
    for (var i = 0u; i < 4u; i++) { cn[i] = 0.0; for (var j = 0u; j < 4u; j++) { acc[i][j] = 0.0; } }
    for (var kk = 0u; kk < dsub; kk++) {
      var b: array<f32, 4>;
      for (var j = 0u; j < 4u; j++) { b[j] = cs[kk * kp + c0 + lid.x + 16u * j]; cn[j] += b[j] * b[j]; }
      for (var i = 0u; i < 4u; i++) {
        let a = xr[i][kk];
        for (var j = 0u; j < 4u; j++) { acc[i][j] += a * b[j]; }
      }
    }
    for (var j = 0u; j < 4u; j++) {
      let c = c0 + lid.x + 16u * j;
      let valid = c < k;
      for (var i = 0u; i < 4u; i++) {
        let v = select(cn[j] - 2.0 * acc[i][j], acc[i][j], ip);
        let better = valid && select((v < bv[i]), (v > bv[i]), ip);
        bv[i] = select(bv[i], v, better);
        bi[i] = select(bi[i], c, better);
      }
    }
  }
  workgroupBarrier();
  for (var i = 0u; i < 4u; i++) {
    let row = lid.y + 16u * i;
    cs[lid.x * 64u + row] = bv[i];
    cs[1024u + lid.x * 64u + row] = f32(bi[i]);
    if (lid.x == 0u) { xsq[row] = xn[i]; }
  }
  workgroupBarrier();
  if (t < 64u && p0 + t < n) {
    var best = cs[t];
    var bidx = cs[1024u + t];
    for (var j = 1u; j < 16u; j++) {
      let v = cs[j * 64u + t];
      let id = cs[1024u + j * 64u + t];
      let better = select((v < best), (v > best), ip) || (v == best && id < bidx);
      best = select(best, v, better);
      bidx = select(bidx, id, better);
    }
    let o = (p0 + t) * params.groups + g;
    assign[o] = u32(bidx);
    // nothing beat the sentinel (NaN input): report NaN so callers summing scores see it
    score[o] = select(select(max(xsq[t] + best, 0.0), best, ip), bitcast<f32>(0x7fc00000u + params.metric * 0u), best == worst);
  }
}
