enable subgroups;
// subgroupAny's result is the same in every lane of the 8-invocation workgroup (one subgroup): the branch on it
// is subgroup-uniform, which the analysis cannot see
diagnostic(off, subgroup_uniformity);
// topk_stream (lib/topk_stream_main.wgsl) on an adapter with subgroups of at least 8 invocations, in workgroups of
// WG = 8 invocations (one subgroup): the same results. The candidates of the first scan are selected from the
// slots where the scan put them, every comparison between registers (subgroup operations), each candidate loaded
// from workgroup memory once per pass, none packed or counted through workgroup memory:
//  1. pivots: each invocation's first four held keys; every invocation counts, four at a time, the held keys that
//     reach each of the 32 pivots (shared by subgroupShuffle), and subgroupAdd sums the counts. t = the best pivot
//     that at least K keys reach (0, taking all, when none does).
//  2. the keys that reach t (c of them, at least K, and every one better than a key that reaches t) are packed to
//     ckey/cpos[0, c) by subgroup prefix sums.
//  3. each packed candidate's rank among them (the keys better, then the equal ones at a lower position) is
//     counted against the others eight at a time, handed round by subgroupShuffle; ranks < K are written.
#include "lib/topk_stream_main.wgsl"

/** The rank of each invocation's candidate (a, ap; live) among the c packed in ckey/cpos[0, c): how many are
 *  better (a larger key, or an equal key at a lower position). */
fn sg_rank(lid: u32, a: u32, ap: u32, live: bool, c: u32) -> u32 {
  var gt = 0u;
  var eq = 0u;
  for (var h = 0u; h < c; h += WG) {
    let j = h + lid;
    let b = select(0u, ckey_get(min(j, CAP - 1u)), j < c);
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
      let b = select(0u, ckey_get(min(j, CAP - 1u)), j < c);
      let bp = select(TK_NONE, cpos[min(j, CAP - 1u)], j < c);
      let n = min(c - h, WG);
      for (var s = 0u; s < WG; s++) {
        gt += select(0u, 1u, subgroupShuffle(b, s) == a && subgroupShuffle(bp, s) < ap && s < n);
      }
    }
  }
  return gt;
}

/** first_select (lib/topk_stream_main.wgsl), with subgroup operations (see above). */
fn first_select(g: u32, row: u32, lid: u32, held: u32, largest: bool) -> bool {
  atomicAdd(&tkPacked, held);
  atomicMax(&tkPivot, held);
  let total = workgroupUniformLoad(&tkPacked);
  let most = workgroupUniformLoad(&tkPivot);
  if (total < K && workgroupUniformLoad(&tkTotal) < TAKES_ALL) { return false; }
  // 1. pivots: this invocation's first four held keys (0 where it holds fewer)
  var piv = vec4<u32>(0u);
  for (var q = 0u; q < 4u; q++) { if (q < held) { piv[q] = skey[lid * S + q]; } }
  var t = 0u;
  if (total > K) {
    var ge: array<vec4<u32>, 8>;
    for (var j = 0u; j < most; j++) {
      let b = select(0u, skey[lid * S + min(j, S - 1u)], j < held);
      for (var s = 0u; s < 8u; s++) {
        ge[s] += select(vec4<u32>(0u), vec4<u32>(1u), vec4<u32>(b) >= subgroupShuffle(piv, s));
      }
    }
    for (var s = 0u; s < 8u; s++) {
      let n = subgroupAdd(ge[s]);
      let p = subgroupShuffle(piv, s);
      t = max(t, max(max(select(0u, p.x, n.x >= K), select(0u, p.y, n.y >= K)), max(select(0u, p.z, n.z >= K), select(0u, p.w, n.w >= K))));
    }
  }
  // 2. the keys that reach t, packed
  var c = 0u;
  for (var j = 0u; j < most; j++) {
    let k = select(0u, skey[lid * S + min(j, S - 1u)], j < held);
    let keep = j < held && k >= t;
    let f = select(0u, 1u, keep);
    let at = c + subgroupExclusiveAdd(f);
    if (keep) { ckey_set(at, k); cpos[at] = spos[lid * S + j]; }
    c += subgroupAdd(f);
  }
  workgroupBarrier();
  // 3. ranks among them
  for (var i0 = 0u; i0 < c; i0 += WG) {
    let i = i0 + lid;
    let live = i < c;
    let a = select(0u, ckey_get(min(i, CAP - 1u)), live);
    let ap = select(TK_NONE, cpos[min(i, CAP - 1u)], live);
    let rank = sg_rank(lid, a, ap, live, c);
    if (live && rank < K) { write_rank(g, row, rank, a, ap, largest); }
  }
  for (var i = c + lid; i < K; i += WG) { write_rank(g, row, i, 0u, TK_NONE, largest); }
  return true;
}
