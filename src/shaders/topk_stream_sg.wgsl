enable subgroups;
// subgroupAny's result is the same in every lane of the 8-invocation workgroup (one subgroup): the branch on it
// is subgroup-uniform, which the analysis cannot see
diagnostic(off, subgroup_uniformity);
// topk_stream (lib/topk_stream_main.wgsl) on an adapter with subgroups of at least 8 invocations, in workgroups of
// WG = 8 invocations (one subgroup): the same results. Workgroup-memory accesses cost one load or store per lane
// on CPU drivers, so the first scan holds only the column of each step where some value passes the threshold
// (FIRST_COLS), and the selection compares registers (subgroup operations):
//  1. the held steps are read again and the candidates that beat the threshold packed to ckey/cpos[0, total) by
//     subgroup prefix sums (more than CAP, or fewer than K and a threshold that does not take all: the safe path,
//     as topk_stream).
//  2. pivots: the keys at 32 places spread over the packed ones; every invocation counts, eight keys per load, the
//     keys that reach each pivot (handed round by subgroupShuffle), and subgroupAdd sums the counts. t = the best
//     pivot that at least K keys reach (0, taking all, when none does).
//  3. the keys that reach t (c of them, at least K, and every one better than a key that reaches t) are packed to
//     skey/spos[0, c).
//  4. each of them is ranked among them (the keys better, then the equal ones at a lower position), counted
//     against the others eight at a time, handed round by subgroupShuffle; ranks < K are written.
#include "lib/topk_stream_main.wgsl"

const FIRST_COLS = true;

/** The rank of each invocation's candidate (a, ap; live) among the c packed in skey/spos[0, c): how many are
 *  better (a larger key, or an equal key at a lower position). */
fn sg_rank(a: u32, ap: u32, live: bool, c: u32, lid: u32) -> u32 {
  var gt = 0u;
  var eq = 0u;
  for (var h = 0u; h < c; h += WG) {
    let j = h + lid;
    let b = select(0u, skey[min(j, CAP - 1u)], j < c);
    let n = min(c - h, WG);
    for (var s = 0u; s < WG; s++) {
      let bs = subgroupShuffle(b, s);
      gt += select(0u, 1u, bs > a);
      eq += select(0u, 1u, bs == a && s < n);
    }
  }
  // equal keys (rare; eq counts the candidate itself): the lower position first
  if (subgroupAny(live && eq > 1u)) {
    for (var h = 0u; h < c; h += WG) {
      let j = h + lid;
      let b = select(0u, skey[min(j, CAP - 1u)], j < c);
      let bp = select(TK_NONE, spos[min(j, CAP - 1u)], j < c);
      let n = min(c - h, WG);
      for (var s = 0u; s < WG; s++) {
        gt += select(0u, 1u, subgroupShuffle(b, s) == a && subgroupShuffle(bp, s) < ap && s < n);
      }
    }
  }
  return gt;
}

/** first_select (lib/topk_stream_main.wgsl), with subgroup operations (see above). */
fn first_select(g: u32, part: RowPart, lid: u32, held: u32, largest: bool) -> bool {
  atomicMax(&tkPivot, held);
  let most = workgroupUniformLoad(&tkPivot);
  let tk = thrKey;
  let tp = thrPos;
  // 1. the candidates of the held steps, packed
  var total = 0u;
  for (var j = 0u; j < most; j++) {
    let live = j < held;
    let col = spos[lid * S + min(j, S - 1u)];
    var take = vec4<bool>(false);
    var cd = Cands(vec4<u32>(0u), vec4<u32>(0u), vec4<bool>(false));
    if (live) {
      cd = cands_of(load_raw4(part.rowBase, col, part.end), col, part.end, largest);
      take = tk_beats4(cd.keys, cd.pos, cd.live, tk, tp);
    }
    let nt = dot(select(vec4<u32>(0u), vec4<u32>(1u), take), vec4<u32>(1u));
    var at = total + subgroupExclusiveAdd(nt);
    for (var q = 0u; q < 4u; q++) {
      if (take[q] && at < CAP) { ckey_set(at, cd.keys[q]); cpos[at] = cd.pos[q]; }
      at += select(0u, 1u, take[q]);
    }
    total += subgroupAdd(nt);
  }
  if (lid == 0u) { atomicStore(&tkPacked, total); }
  let n = workgroupUniformLoad(&tkPacked);
  if (n > CAP || (n < K && workgroupUniformLoad(&tkTotal) < TAKES_ALL)) { return false; }
  // 2. pivots
  var t = 0u;
  if (n > K) {
    var piv = vec4<u32>(0u);
    for (var q = 0u; q < 4u; q++) { piv[q] = ckey_get((lid * 4u + q) * n / (WG * 4u)); }
    var ge: array<vec4<u32>, 8>;
    for (var h = 0u; h < n; h += WG) {
      let j = h + lid;
      let b = select(0u, ckey_get(min(j, CAP - 1u)), j < n);
      for (var s = 0u; s < 8u; s++) {
        ge[s] += select(vec4<u32>(0u), vec4<u32>(1u), (vec4<u32>(b) >= subgroupShuffle(piv, s)) & vec4<bool>(j < n));
      }
    }
    for (var s = 0u; s < 8u; s++) {
      let m = subgroupAdd(ge[s]);
      let p = subgroupShuffle(piv, s);
      t = max(t, max(max(select(0u, p.x, m.x >= K), select(0u, p.y, m.y >= K)), max(select(0u, p.z, m.z >= K), select(0u, p.w, m.w >= K))));
    }
  }
  // 3. the keys that reach t, packed again
  var c = 0u;
  for (var h = 0u; h < n; h += WG) {
    let j = h + lid;
    let k = select(0u, ckey_get(min(j, CAP - 1u)), j < n);
    let keep = j < n && k >= t;
    let f = select(0u, 1u, keep);
    let at = c + subgroupExclusiveAdd(f);
    if (keep) { skey[at] = k; spos[at] = cpos[j]; }
    c += subgroupAdd(f);
  }
  if (lid == 0u) { atomicStore(&tkPacked, c); }
  let cu = workgroupUniformLoad(&tkPacked);
  // 4. ranks among them
  for (var i0 = 0u; i0 < cu; i0 += WG) {
    let i = i0 + lid;
    let live = i < cu;
    let a = select(0u, skey[min(i, CAP - 1u)], live);
    let ap = select(TK_NONE, spos[min(i, CAP - 1u)], live);
    let rank = sg_rank(a, ap, live, cu, lid);
    if (live && rank < K) { write_rank(g, part.row, rank, a, ap, largest); }
  }
  for (var i = cu + lid; i < K; i += WG) { write_rank(g, part.row, i, 0u, TK_NONE, largest); }
  return true;
}
