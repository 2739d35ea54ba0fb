// Nearest-centroid assignment for G independent problems ("groups") at once.
// Point i of group g is x[i * D + g * dsub .. + dsub] (D = groups * dsub); centroids are G x k x dsub.
// assign[i * G + g] = best centroid: max inner product (metric 0) or min squared L2 (metric 1); ties go to
// the lowest centroid index. score[i * G + g] = that inner product or squared distance.
// Each workgroup takes 64 points of one group (wid.y) and walks over the centroids in tiles of 64, computing
// the 64 x 64 block of dot products like the `scores` kernel (4 x 4 per invocation, 16-dim slabs of points and
// centroids staged in workgroup memory, neighbouring invocations loading neighbouring addresses) and keeping a
// running best per (invocation, point). A final pass reduces the 16 partial bests of each point.
// For L2 the comparison uses ||c||^2 - 2<x,c>; ||x||^2 is added only to the reported score.
struct Params { n: u32, groups: u32, k: u32, dsub: u32, metric: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> cent: array<f32>;
@group(0) @binding(3) var<storage, read_write> assign: array<u32>;
@group(0) @binding(4) var<storage, read_write> score: array<f32>;

const TK: u32 = 16u;
// [dim][row]; reused after the main loop to hold the 64 x 16 partial bests (value, index as f32)
var<workgroup> tx: array<array<f32, 65>, 16>;
var<workgroup> tc: array<array<f32, 65>, 16>;
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
  var bv: array<f32, 4>;
  var bi: array<u32, 4>;
  var xn: array<f32, 4>;
  for (var i = 0u; i < 4u; i++) { bv[i] = worst; bi[i] = 0u; xn[i] = 0.0; }
  for (var c0 = 0u; c0 < k; c0 += 64u) {
    var acc: array<array<f32, 4>, 4>;
    var cn: array<f32, 4>;
    for (var i = 0u; i < 4u; i++) { cn[i] = 0.0; for (var j = 0u; j < 4u; j++) { acc[i][j] = 0.0; } }
    for (var k0 = 0u; k0 < dsub; k0 += TK) {
      for (var r = 0u; r < 4u; r++) {
        let row = r * 16u + lid.y;
        let kk = k0 + lid.x;
        var vx = 0.0;
        var vc = 0.0;
        if (kk < dsub) {
          if (p0 + row < n) { vx = x[(p0 + row) * D + g * dsub + kk]; }
          if (c0 + row < k) { vc = cent[(g * k + c0 + row) * dsub + kk]; }
        }
        tx[lid.x][row] = vx;
        tc[lid.x][row] = vc;
      }
      workgroupBarrier();
      let kend = min(TK, dsub - k0);
      for (var kk = 0u; kk < kend; kk++) {
        var a: array<f32, 4>;
        var b: array<f32, 4>;
        for (var i = 0u; i < 4u; i++) { a[i] = tx[kk][lid.y + 16u * i]; b[i] = tc[kk][lid.x + 16u * i]; }
        for (var i = 0u; i < 4u; i++) {
          cn[i] += b[i] * b[i];
          for (var j = 0u; j < 4u; j++) { acc[i][j] += a[i] * b[j]; }
        }
        if (c0 == 0u) { for (var i = 0u; i < 4u; i++) { xn[i] += a[i] * a[i]; } }
      }
      workgroupBarrier();
    }
    // centroids of this tile in increasing index order, so strict comparisons keep the lowest index on ties
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
  // partial bests to workgroup memory: entry [lid.x][point]; indices as exact floats (k < 2^24)
  for (var i = 0u; i < 4u; i++) {
    let row = lid.y + 16u * i;
    tx[lid.x][row] = bv[i];
    tc[lid.x][row] = f32(bi[i]);
    if (lid.x == 0u) { xsq[row] = xn[i]; }
  }
  workgroupBarrier();
  let t = lid.y * 16u + lid.x;
  if (t < 64u && p0 + t < n) {
    var best = tx[0][t];
    var bidx = tc[0][t];
    for (var j = 1u; j < 16u; j++) {
      let v = tx[j][t];
      let id = tc[j][t];
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
