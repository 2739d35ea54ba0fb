// Module: nearest-centroid assignment for G independent problems ("groups") at once, shared by kmeans_assign
// and kmeans_assign_small (same contract, same results). Point i of group g is x[i * D + g * dsub .. + dsub]
// (D = groups * dsub); centroids are G x k x dsub. assign[i * G + g] = best centroid: max inner product
// (metric 0) or min squared L2 (metric 1); ties go to the lowest centroid index. score[i * G + g] = that inner
// product or squared distance. For L2 the comparison uses ||c||^2 - 2<x,c>; ||x||^2 is added only to the
// reported score. A workgroup of 16 x 16 invocations takes 64 points of one group; invocation (x, y) keeps a
// running best for its points y + 16 i over the centroids x + 16 j of each tile of 64 (i, j < 4); then the 16
// partial bests of each point are reduced in workgroup memory that the kernel lends through
// `fn nearest_store(j: u32, point: u32, value: f32, index: f32)`, `nearest_value(j, point) -> f32` and
// `nearest_index(j, point) -> f32` (j < 16: the partial best of invocation column j).
struct Params { n: u32, groups: u32, k: u32, dsub: u32, metric: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> cent: array<f32>;
@group(0) @binding(3) var<storage, read_write> assign: array<u32>;
@group(0) @binding(4) var<storage, read_write> score: array<f32>;

var<workgroup> xsq: array<f32, 64>;

/** One invocation's running bests of its 4 points (value, centroid) and the points' ||x||^2. */
struct Nearest { bv: array<f32, 4>, bi: array<u32, 4>, xn: array<f32, 4> }

/** No centroid scores worse than this (+-inf never wins). */
fn nearest_worst(ip: bool) -> f32 { return select(3.4e38, -3.4e38, ip); }

fn nearest_start(ip: bool) -> Nearest {
  var nb: Nearest;
  for (var i = 0u; i < 4u; i++) { nb.bv[i] = nearest_worst(ip); nb.bi[i] = 0u; nb.xn[i] = 0.0; }
  return nb;
}

/** Takes a tile's 4 x 4 inner products acc[i][j] with centroids c0 + lx + 16 j (squared norms cn[j]), in
 *  increasing centroid order, so strict comparisons keep the lowest index on ties. */
fn nearest_update(nb: ptr<function, Nearest>, acc: array<array<f32, 4>, 4>, cn: array<f32, 4>, c0: u32, lx: u32, ip: bool) {
  for (var j = 0u; j < 4u; j++) {
    let c = c0 + lx + 16u * j;
    let valid = c < params.k;
    for (var i = 0u; i < 4u; i++) {
      let v = select(cn[j] - 2.0 * acc[i][j], acc[i][j], ip);
      let better = valid && select((v < (*nb).bv[i]), (v > (*nb).bv[i]), ip);
      (*nb).bv[i] = select((*nb).bv[i], v, better);
      (*nb).bi[i] = select((*nb).bi[i], c, better);
    }
  }
}

/** Reduces the 16 partial bests of each of the workgroup's 64 points (from p0, group g) and writes them. */
fn nearest_finish(nb: Nearest, lid: vec3<u32>, p0: u32, g: u32, ip: bool) {
  for (var i = 0u; i < 4u; i++) {
    let row = lid.y + 16u * i;
    nearest_store(lid.x, row, nb.bv[i], f32(nb.bi[i])); // indices as exact floats (k < 2^24)
    if (lid.x == 0u) { xsq[row] = nb.xn[i]; }
  }
  workgroupBarrier();
  let t = lid.y * 16u + lid.x;
  if (t < 64u && p0 + t < params.n) {
    var best = nearest_value(0u, t);
    var bidx = nearest_index(0u, t);
    for (var j = 1u; j < 16u; j++) {
      let v = nearest_value(j, t);
      let id = nearest_index(j, t);
      let better = select((v < best), (v > best), ip) || (v == best && id < bidx);
      best = select(best, v, better);
      bidx = select(bidx, id, better);
    }
    let o = (p0 + t) * params.groups + g;
    assign[o] = u32(bidx);
    // nothing beat the sentinel (NaN input): report NaN so callers summing scores see it
    score[o] = select(select(max(xsq[t] + best, 0.0), best, ip), bitcast<f32>(0x7fc00000u + params.metric * 0u), best == nearest_worst(ip));
  }
}
