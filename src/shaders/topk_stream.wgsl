// Top-K per row of f32 values in one streaming read, one workgroup per (row, chunk of columns); inputs and
// outputs as lib/topk_rows.wgsl describes (values only, no pairs). Each invocation reads four columns per step
// of WG * 4 (load_raw4).
//  1. Sample: every `sample`-th step; each invocation keeps the best key per vec4 lane, WG * 4 maxima of
//     disjoint sets. The start threshold is the r-th best of them (start_rank: for values in random order, about
//     `passTarget` values pass it).
//  2. Scan: every value is compared as a float with the threshold (v >= t for the largest, v <= t for the
//     smallest; NaN passes neither); a step where some value passes is compared exactly (tk_beats4) and its
//     candidates go to the invocation's S slots in workgroup memory, without barriers (scan_steps: four steps
//     per branch).
//  3. Select: if no invocation's slots overflowed and at least K values passed, the candidates are packed and
//     the best K of them selected (select_best: ranks counted only among those that reach a pivot that at least
//     K reach). When too few passed, steps 2 and 3 run once more from the start threshold for twice as many
//     (start_try). Otherwise, or if that fails too, the row is scanned again from a safe threshold (tk_prefilter: the K-th best of the
//     WG * 4 lane maxima, which at least K values reach; none when K > WG * 4), and an invocation whose slots are
//     full stops (tk_stall) while the slots are reduced with the kept best K (tk_reduce, which raises the
//     threshold). The selection is exact whatever the data: the thresholds only decide how much is held.
#include "lib/topk_stream_main.wgsl"

/** Selects the best K of the `total` candidates packed in ckey/cpos[0, total) (padded to a multiple of 4 with
 *  keys 0) and writes them: each candidate's rank is the number of better ones (distinct positions, so the
 *  order is total), counted four keys per load. */
fn rank_select(g: u32, row: u32, lid: u32, total: u32, largest: bool) {
  let n4 = (total + 3u) / 4u;
  for (var i = lid; i < total; i += WG) {
    let a = ckey_get(i);
    let ap = cpos[i];
    var gt = vec4<u32>(0u);
    var eq = vec4<u32>(0u);
    for (var j4 = 0u; j4 < n4; j4++) {
      let b = ckey4[j4];
      gt += select(vec4<u32>(0u), vec4<u32>(1u), b > vec4<u32>(a));
      eq += select(vec4<u32>(0u), vec4<u32>(1u), b == vec4<u32>(a));
    }
    var rank = dot(gt, vec4<u32>(1u));
    if (dot(eq, vec4<u32>(1u)) > 1u && rank < K) { // equal keys (rare): the lower position first
      for (var j4 = 0u; j4 < n4; j4++) {
        let p = vec4<u32>(cpos[4u * j4], cpos[4u * j4 + 1u], cpos[4u * j4 + 2u], cpos[4u * j4 + 3u]);
        rank += dot(select(vec4<u32>(0u), vec4<u32>(1u), (ckey4[j4] == vec4<u32>(a)) & (p < vec4<u32>(ap))), vec4<u32>(1u));
      }
    }
    if (rank < K) { write_rank(g, row, rank, a, ap, largest); }
  }
  for (var i = total + lid; i < K; i += WG) { write_rank(g, row, i, 0u, TK_NONE, largest); }
}

/** Selects the best K of the `total` candidates packed in ckey/cpos[0, total) (padded as rank_select needs) and
 *  writes them, ranking only those that can be among the best K: each invocation counts the candidates that
 *  reach its pivot (the key of candidate lid * total / WG); t = the best pivot that at least K reach (0 when none
 *  does or total <= K). Every candidate better than one that reaches t also reaches t, so ranks among the
 *  candidates that reach t (packed again from slot 0) are ranks among all. */
fn select_best(g: u32, row: u32, lid: u32, total: u32, largest: bool) {
  if (total > K) {
    let pk = ckey_get(lid * total / WG);
    var ge = vec4<u32>(0u);
    for (var j4 = 0u; j4 < (total + 3u) / 4u; j4++) {
      ge += select(vec4<u32>(0u), vec4<u32>(1u), ckey4[j4] >= vec4<u32>(pk));
    }
    if (dot(ge, vec4<u32>(1u)) >= K) { atomicMax(&tkPivot, pk); }
  }
  let t = workgroupUniformLoad(&tkPivot);
  if (t == 0u) {
    rank_select(g, row, lid, total, largest);
    return;
  }
  // the candidates that reach t to skey/spos (ccount counts them: 0 after a scan without a stall), then back
  for (var i = lid; i < total; i += WG) {
    let a = ckey_get(i);
    if (a >= t) {
      let at = atomicAdd(&ccount, 1u);
      skey[at] = a;
      spos[at] = cpos[i];
    }
  }
  let c = workgroupUniformLoad(&ccount);
  for (var i = lid; i < ((c + 3u) & ~3u); i += WG) {
    ckey_set(i, select(0u, skey[i], i < c));
    cpos[i] = select(TK_NONE, spos[i], i < c);
  }
  workgroupBarrier();
  rank_select(g, row, lid, c, largest);
}

/** first_scan (lib/topk_stream_main.wgsl): the candidates that beat the threshold, in the slots (scan_steps). */
fn first_scan(lid: u32, part: RowPart, largest: bool) -> u32 {
  var c = first_col(part.begin, lid);
  var held = 0u;
  scan_steps(lid, part, largest, &c, &held);
  return held;
}

/** first_select (lib/topk_stream_main.wgsl): the held candidates are packed from slot 0 (in any order: ties are
 *  broken by position) and ranked at once (select_best). */
fn first_select(g: u32, part: RowPart, lid: u32, held: u32, largest: bool) -> bool {
  let at = atomicAdd(&tkPacked, held);
  for (var j = 0u; j < held; j++) { ckey_set(at + j, skey[lid * S + j]); cpos[at + j] = spos[lid * S + j]; }
  let packed = workgroupUniformLoad(&tkPacked);
  if (lid == 0u) { for (var i = packed; i < ((packed + 3u) & ~3u); i++) { ckey_set(i, 0u); cpos[i] = TK_NONE; } }
  let total = workgroupUniformLoad(&tkTotal) | packed;
  if ((total & ~TAKES_ALL) < K && total < TAKES_ALL) { return false; }
  select_best(g, part.row, lid, total & ~TAKES_ALL, largest);
  return true;
}
