// Module: the body of the streaming top-K kernels (topk_stream, topk_stream_sg): sample, start threshold, scans
// and the safe fallback, one workgroup per (row, chunk of columns); inputs and outputs as lib/topk_rows.wgsl
// describes (values only, no pairs). The including kernel defines the first scan from the start threshold and how
// the candidates of a first scan that did not stall are selected:
//   fn first_scan(lid: u32, part: RowPart, largest: bool) -> u32
// scans invocation lid's steps of `part` against thrKey / thrPos, holding what the kernel's first_select reads in
// its slots skey/spos[lid * S ..] and returning how many slots it filled; it calls tk_stall when they overflow.
//   fn first_select(g: u32, part: RowPart, lid: u32, held: u32, largest: bool) -> bool
// called in uniform control flow after a first scan that did not stall; it writes the row's best K and returns
// true, or returns false (having written nothing) when fewer than K candidates were held and the start threshold
// did not take everything (tkTotal).
#include "lib/grid.wgsl"
#include "lib/select.wgsl"
#include "lib/topk_rows.wgsl"

var<workgroup> tkTotal: u32; // the packed candidates of the first scan, | TAKES_ALL when its threshold takes all
var<workgroup> tkPacked: atomic<u32>; // the candidates of the first scan packed so far
var<workgroup> tkPivot: atomic<u32>; // select_best: the best pivot key that at least K candidates reach, or 0
const TAKES_ALL: u32 = 0x80000000u;
override S: u32 = 16u; // candidate slots per invocation: skey/spos[lid * S ..]; CAP >= WG * S + max(K4, WG)

/** The rank r of the start threshold among the WG * 4 sample maxima (one per vec4 lane of each invocation) of
 *  `len` columns. Each maximum is over m sampled values; for values in random order it is below the (1 - p)
 *  quantile with probability (1 - p)^m, so the r-th best of them, r = WG * 4 * (1 - (1 - p)^m), passes about a
 *  share p = aim / len of the values. */
fn start_rank(len: u32, aim: u32) -> u32 {
  let steps = (len + WG * 4u - 1u) / (WG * 4u);
  let m = (steps + max(params.sample, 1u) - 1u) / max(params.sample, 1u);
  let p = min(1.0, f32(aim) / f32(max(len, 1u)));
  let r = round(f32(WG * 4u) * (1.0 - pow(1.0 - p, f32(m))));
  return clamp(u32(r), 1u, WG * 4u);
}

/** Sets the threshold to the start_rank-th best of the WG * 4 sample maxima of `len` columns (this invocation's
 *  four lanes' best keys in `best`) for about `aim` values to pass; published by tk_scan_init's barrier. */
fn start_threshold(lid: u32, best: vec4<u32>, len: u32, aim: u32) {
  ckey4[lid] = best;
  if (lid == 0u) { atomicStore(&ccount, 0u); }
  workgroupBarrier();
  let hit = tk_is_rank(tk_rank_keys(best), start_rank(len, aim));
  for (var i = 0u; i < 4u; i++) { if (hit[i]) { atomicStore(&ccount, best[i]); } } // all write the same key
  workgroupBarrier();
  if (lid == 0u) { thrKey = atomicLoad(&ccount); thrPos = TK_NONE; }
}

/** Packs the slots of every invocation (this one holds `held`) after the kept best and reduces them (in uniform
 *  control flow); returns whether some invocation stopped early. The counts are staged after the slots. */
fn rescan_slots(lid: u32, held: u32) -> bool {
  skey[WG * S + lid] = held;
  let stalled = workgroupUniformLoad(&ccount) != 0u;
  let at = tk_pack_offset(lid, WG * S, tk_k4());
  for (var j = 0u; j < held; j++) { ckey_set(at.x + j, skey[lid * S + j]); cpos[at.x + j] = spos[lid * S + j]; }
  tk_reduce_packed(lid, at.y);
  return stalled;
}

/** Puts the candidates of the step at column c (raw values `raw`) that beat the threshold (tk, tp) in the slots
 *  (*held of them); false, holding none, when they do not fit. */
fn hold_step(lid: u32, raw: vec4<u32>, c: u32, part: RowPart, largest: bool, tk: u32, tp: u32, held: ptr<function, u32>) -> bool {
  let cd = cands_of(raw, c, part.end, largest);
  let take = tk_beats4(cd.keys, cd.pos, cd.live, tk, tp);
  let nt = dot(select(vec4<u32>(0u), vec4<u32>(1u), take), vec4<u32>(1u));
  if (*held + nt > S) { return false; }
  for (var j = 0u; j < 4u; j++) {
    if (take[j]) { skey[lid * S + *held] = cd.keys[j]; spos[lid * S + *held] = cd.pos[j]; *held += 1u; }
  }
  return true;
}

/** One invocation's four vec4 steps from vec4 index i (WG apart) and which of them have a value that passes a
 *  float comparison with the threshold ts (sgn * v >= ts: NaN passes none; every step with `all`). */
struct Steps4 { r0: vec4<u32>, r1: vec4<u32>, r2: vec4<u32>, r3: vec4<u32>, passes: vec4<bool> }

fn steps4(i: u32, sgn: f32, ts: vec4<f32>, all: bool) -> Steps4 {
  let r0 = inKeys4[i];
  let r1 = inKeys4[i + WG];
  let r2 = inKeys4[i + 2u * WG];
  let r3 = inKeys4[i + 3u * WG];
  let p = vec4<bool>(all) | vec4<bool>(any(bitcast<vec4<f32>>(r0) * sgn >= ts), any(bitcast<vec4<f32>>(r1) * sgn >= ts),
                            any(bitcast<vec4<f32>>(r2) * sgn >= ts), any(bitcast<vec4<f32>>(r3) * sgn >= ts));
  return Steps4(r0, r1, r2, r3, p);
}

/** Scans invocation lid's steps from column *c against the threshold thrKey, putting the candidates that beat it
 *  in the slots (*held of them); stops early, at the first step whose candidates do not fit, with tk_stall.
 *  A step goes to hold_step only when some value passes a float comparison with the threshold. */
fn scan_steps(lid: u32, part: RowPart, largest: bool, c: ptr<function, u32>, held: ptr<function, u32>) {
  let tk = thrKey;
  let tp = thrPos;
  let all = tk == 0u; // a NaN threshold: NaN candidates may still beat it on position
  // v passes when sgn * v >= sgn * t (sgn = -1 for the smallest: v <= t); NaN never passes
  let sgn = select(-1.0, 1.0, largest);
  let ts = vec4<f32>(sgn * bitcast<f32>(tk_value_bits(tk, largest)));
  var cc = *c;
  var h = *held;
  var stop = false;
  if (params.vec4 != 0u) { // the same loops as below without the branch in the load
    // four steps per iteration (one branch for the four) while all four start in the part, then one at a time
    for (; cc + 3u * WG * 4u < part.end; cc += WG * 16u) {
      let st = steps4((part.rowBase + cc) >> 2u, sgn, ts, all);
      let r0 = st.r0;
      let r1 = st.r1;
      let r2 = st.r2;
      let r3 = st.r3;
      let p = st.passes;
      if (any(p)) {
        // a step whose candidates do not fit stops the scan at its column, holding none of it
        if (p.x && !hold_step(lid, r0, cc, part, largest, tk, tp, &h)) { stop = true; break; }
        if (p.y && !hold_step(lid, r1, cc + WG * 4u, part, largest, tk, tp, &h)) { cc += WG * 4u; stop = true; break; }
        if (p.z && !hold_step(lid, r2, cc + WG * 8u, part, largest, tk, tp, &h)) { cc += WG * 8u; stop = true; break; }
        if (p.w && !hold_step(lid, r3, cc + WG * 12u, part, largest, tk, tp, &h)) { cc += WG * 12u; stop = true; break; }
      }
    }
    for (; !stop && cc < part.end; cc += WG * 4u) {
      let raw = inKeys4[(part.rowBase + cc) >> 2u];
      if ((all || any(bitcast<vec4<f32>>(raw) * sgn >= ts)) && !hold_step(lid, raw, cc, part, largest, tk, tp, &h)) { stop = true; break; }
    }
  } else {
    for (; cc < part.end; cc += WG * 4u) {
      let raw = load_raw4(part.rowBase, cc, part.end);
      if ((all || any(bitcast<vec4<f32>>(raw) * sgn >= ts)) && !hold_step(lid, raw, cc, part, largest, tk, tp, &h)) { stop = true; break; }
    }
  }
  if (stop) { tk_stall(); }
  *c = cc;
  *held = h;
}

/** Scans the columns of `part` against the threshold thrKey (set before tk_scan_init) with the slots, stopping
 *  to reduce them with the kept best K when some invocation's are full (rescan_slots). */
fn slot_scan(lid: u32, part: RowPart, largest: bool) {
  var c = first_col(part.begin, lid);
  var held = 0u;
  loop {
    scan_steps(lid, part, largest, &c, &held);
    if (!rescan_slots(lid, held)) { break; }
    held = 0u;
  }
}

/** The safe threshold of tk_prefilter for K <= WG * 32 (in uniform control flow; needs WG * 8 <= CAP4): one read
 *  of the columns of `part`, each invocation keeping the best key per vec4 lane in each of 8 classes of its steps
 *  (the step's index mod 8; the last ones in class 0): WG * 32 maxima of disjoint sets, so at least K values
 *  reach the K-th best of them. */
fn wide_prefilter(lid: u32, part: RowPart, largest: bool) {
  var mx: array<vec4<u32>, 8>;
  var c = first_col(part.begin, lid);
  for (; c + 7u * WG * 4u < part.end; c += WG * 32u) {
    for (var s = 0u; s < 8u; s++) {
      let cd = cands_of(load_raw4(part.rowBase, c + s * WG * 4u, part.end), c + s * WG * 4u, part.end, largest);
      mx[s] = max(mx[s], select(vec4<u32>(0u), cd.keys, cd.live));
    }
  }
  for (; c < part.end; c += WG * 4u) {
    let cd = cands_of(load_raw4(part.rowBase, c, part.end), c, part.end, largest);
    mx[0] = max(mx[0], select(vec4<u32>(0u), cd.keys, cd.live));
  }
  for (var s = 0u; s < 8u; s++) { ckey4[lid * 8u + s] = mx[s]; }
  if (lid == 0u) { atomicStore(&ccount, 0u); }
  workgroupBarrier();
  for (var s = 0u; s < 8u; s++) {
    var gt = vec4<u32>(0u);
    var ge = vec4<u32>(0u);
    for (var j = 0u; j < WG * 8u; j++) {
      let b = ckey4[j];
      for (var i = 0u; i < 4u; i++) {
        gt[i] += dot(select(vec4<u32>(0u), vec4<u32>(1u), b > vec4<u32>(mx[s][i])), vec4<u32>(1u));
        ge[i] += dot(select(vec4<u32>(0u), vec4<u32>(1u), b >= vec4<u32>(mx[s][i])), vec4<u32>(1u));
      }
    }
    let hit = tk_is_rank(TkRanks(gt, ge), K);
    for (var i = 0u; i < 4u; i++) { if (hit[i]) { atomicStore(&ccount, mx[s][i]); } } // all write the same key
  }
  workgroupBarrier();
  if (lid == 0u) { thrKey = atomicLoad(&ccount); thrPos = TK_NONE; } // published by tk_scan_init's barrier
}

const TRY_DONE: u32 = 0u;  // start_try: the best K written
const TRY_STALL: u32 = 1u; // some invocation's slots overflowed
const TRY_FEW: u32 = 2u;   // too few candidates (or too many to pack, topk_stream_sg)

/** Scans the columns of `part` once from a start threshold for about `aim` values to pass (start_threshold) and
 *  selects the best K from the candidates if it can (first_select). In uniform control flow. */
fn start_try(g: u32, part: RowPart, lid: u32, best: vec4<u32>, largest: bool, aim: u32) -> u32 {
  start_threshold(lid, best, select(0u, part.end - part.begin, part.end > part.begin), aim);
  // the start threshold takes every value (key 0): then fewer than K candidates are all there is
  if (lid == 0u) {
    tkTotal = select(0u, TAKES_ALL, thrKey == 0u);
    atomicStore(&tkPivot, 0u);
    atomicStore(&tkPacked, 0u);
  }
  tk_scan_init(lid);
  let held = first_scan(lid, part, largest);
  if (workgroupUniformLoad(&ccount) != 0u) { return TRY_STALL; }
  return select(TRY_FEW, TRY_DONE, first_select(g, part, lid, held, largest));
}

@compute @workgroup_size(WG)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let g = grid_group(grid);
  if (g >= params.rows * params.nchunks) { return; }
  let part = row_part(g);
  let largest = params.largest != 0u;
  var best = vec4<u32>(0u);
  for (var c = first_col(part.begin, lid); c < part.end; c += WG * 4u * max(params.sample, 1u)) {
    let cd = cands_of(load_raw4(part.rowBase, c, part.end), c, part.end, largest);
    best = max(best, select(vec4<u32>(0u), cd.keys, cd.live));
  }
  // from a start threshold for about passTarget values to pass; when fewer than K but at least K / 4 pass (and no
  // invocation's slots overflowed), again for twice as many (far fewer: values in order, the sample misleads)
  let first = start_try(g, part, lid, best, largest, params.passTarget);
  if (first == TRY_DONE) { return; }
  if (first == TRY_FEW && workgroupUniformLoad(&tkPacked) * 4u >= K && start_try(g, part, lid, best, largest, params.passTarget * 2u) == TRY_DONE) { return; }
  // some invocation's slots overflowed, or fewer than K values reach the start threshold: again from a safe
  // threshold, which at least K values reach (or from none when K > WG * 4). Going on from the start threshold
  // after an overflow is not safe: once a reduce keeps padding, the threshold falls below the start one, and
  // values already skipped could belong to the best K.
  if (K <= WG * 4u) {
    tk_prefilter(lid, best);
  } else if (K <= WG * 32u && WG * 8u <= CAP4) {
    wide_prefilter(lid, part, largest);
  } else if (lid == 0u) {
    thrKey = 0u;
    thrPos = TK_NONE;
  }
  tk_scan_init(lid);
  slot_scan(lid, part, largest);
  write_out(g, part.row, tkKept, largest, lid);
}
