// Module: a streaming top-K selection held by one workgroup. The kernels that select (topk_select, adc_scan)
// include it, offer candidates in rounds and call tk_finish. Its workgroup memory grows with CAP and K; the
// host sizes CAP from the reflected declarations below (selectionConstants in src/kernels/topk.ts).
//
// A candidate is a pair (key, pos): key is an order-preserving u32 image of the score where larger is
// better (tk_key), pos a u32 position where lower wins ties. NaN scores get key 0 (rank last among real
// candidates); padding is (0, 0xffffffff), which ranks after everything real.
//
// Rounds: every invocation offers up to PER candidates; a candidate enters the buffer only if it beats the
// current K-th best (thrKey, thrPos). Before a round that could overflow the buffer (CAP >= K + WG * PER),
// tk_reduce merges the new candidates into the sorted best K (ckey/cpos[0..K), best-first); see below.
#include "lib/tk_key.wgsl"
override WG: u32 = 64u;    // workgroup size
override K: u32 = 16u;     // how many to keep
override PER: u32 = 4u;    // candidates offered per invocation per round
override CAP: u32 = 320u;  // candidate buffer size, >= K + WG * PER, a multiple of 4
override CAP4: u32 = 80u;  // CAP / 4
override TK_PADDED: bool = false; // much padding in the buffer (topk_select): tk_reduce skips it when ranking

var<workgroup> ckey4: array<vec4<u32>, CAP4>; // keys, four to a word so the ranking loop loads 4 at a time
var<workgroup> cpos: array<u32, CAP>;
var<workgroup> skey: array<u32, CAP>;
var<workgroup> spos: array<u32, CAP>;
var<workgroup> nkey: array<u32, K>;
var<workgroup> npos: array<u32, K>;
var<workgroup> ccount: atomic<u32>;
var<workgroup> thrKey: u32;
var<workgroup> thrPos: u32;
var<workgroup> tkKept: u32;

const TK_NONE: u32 = 0xffffffffu;

fn ckey_get(i: u32) -> u32 { return ckey4[i >> 2u][i & 3u]; }
fn ckey_set(i: u32, v: u32) { ckey4[i >> 2u][i & 3u] = v; }

fn tk_better(ak: u32, ap: u32, bk: u32, bp: u32) -> bool {
  return ak > bk || (ak == bk && ap < bp);
}

fn tk_init(lid: u32) {
  if (lid == 0u) {
    atomicStore(&ccount, 0u);
    thrKey = 0u;
    thrPos = TK_NONE;
    tkKept = 0u;
  }
  workgroupBarrier();
}

/** Adds a candidate if it beats the current threshold (tk and tp: this invocation's copy of it). */
fn tk_offer(key: u32, pos: u32, tk: u32, tp: u32) {
  if (tk_better(key, pos, tk, tp)) {
    let slot = atomicAdd(&ccount, 1u);
    ckey_set(slot, key);
    cpos[slot] = pos;
  }
}

/** Keeps the best min(n, K) of the n held candidates, sorted best-first, and updates the threshold.
 *  ckey/cpos[0..tkKept) are sorted from the last reduce; the newer ones [tkKept..n) are ranked among
 *  themselves by counting (into skey/spos), then every candidate's final rank is its rank in its own sorted
 *  run plus the number of better ones in the other run (binary search). Ties between equal pairs (the same
 *  position offered twice) go to the older run, then to the lower buffer index. */
fn tk_reduce(lid: u32, n: u32) {
  let kept = tkKept;
  let nn = min(n - kept, K);
  if (TK_PADDED) { // padding ranks after every real candidate: fill the new run's best K with it, rank the rest
    for (var r = lid; r < nn; r += WG) { skey[r] = 0u; spos[r] = TK_NONE; }
    workgroupBarrier();
  }
  for (var i = kept + lid; i < n; i += WG) {
    let a = ckey_get(i);
    let ap = cpos[i];
    if (TK_PADDED && ap == TK_NONE) { continue; }
    // rank among the new run: keys strictly better, four per load; equal keys (rare) then by position
    var rank = 0u;
    var eq = 0u;
    let lo4 = kept >> 2u;
    let hi4 = (n + 3u) >> 2u;
    for (var j4 = lo4; j4 < hi4 && rank < K; j4++) {
      let b = ckey4[j4];
      let jj = vec4<u32>(j4 * 4u) + vec4<u32>(0u, 1u, 2u, 3u);
      let valid = (jj >= vec4<u32>(kept)) & (jj < vec4<u32>(n));
      rank += dot(select(vec4<u32>(0u), vec4<u32>(1u), valid & (b > vec4<u32>(a))), vec4<u32>(1u));
      eq += dot(select(vec4<u32>(0u), vec4<u32>(1u), valid & (b == vec4<u32>(a))), vec4<u32>(1u));
    }
    if (eq > 1u && rank < K) {
      for (var j = kept; j < n; j++) {
        let bp = cpos[j];
        rank += select(0u, 1u, ckey_get(j) == a && (bp < ap || (bp == ap && j < i)));
      }
    }
    // only the best K of the new run matter: the others stop counting at K and are not stored
    if (rank < K) { skey[rank] = a; spos[rank] = ap; }
  }
  workgroupBarrier();
  // old run: rank = i + #(new strictly better)
  for (var i = lid; i < kept; i += WG) {
    let a = ckey_get(i);
    let ap = cpos[i];
    var lo = 0u;
    var hi = nn;
    while (lo < hi) {
      let mid = (lo + hi) / 2u;
      if (tk_better(skey[mid], spos[mid], a, ap)) { lo = mid + 1u; } else { hi = mid; }
    }
    let rank = i + lo;
    if (rank < K) { nkey[rank] = a; npos[rank] = ap; }
  }
  // new run: rank = r + #(old better or equal)
  for (var r = lid; r < nn; r += WG) {
    let a = skey[r];
    let ap = spos[r];
    var lo = 0u;
    var hi = kept;
    while (lo < hi) {
      let mid = (lo + hi) / 2u;
      if (!tk_better(a, ap, ckey_get(mid), cpos[mid])) { lo = mid + 1u; } else { hi = mid; }
    }
    let rank = r + lo;
    if (rank < K) { nkey[rank] = a; npos[rank] = ap; }
  }
  workgroupBarrier();
  let m = min(n, K);
  for (var i = lid; i < m; i += WG) { ckey_set(i, nkey[i]); cpos[i] = npos[i]; }
  if (lid == 0u) {
    atomicStore(&ccount, m);
    tkKept = m;
    if (m == K) { thrKey = nkey[K - 1u]; thrPos = npos[K - 1u]; }
  }
  workgroupBarrier();
}

/** Makes room for one more round: reduces when the next round could overflow the buffer. */
fn tk_round(lid: u32) {
  let n = workgroupUniformLoad(&ccount);
  if (n + WG * PER > CAP) { tk_reduce(lid, n); }
}

/** The final reduce: afterwards ckey/cpos[0..returned) hold the best, sorted best-first. */
fn tk_finish(lid: u32) -> u32 {
  let n = workgroupUniformLoad(&ccount);
  tk_reduce(lid, n);
  return min(n, K);
}

// Barrier-free scans (topk_select). Atomics and barriers are slow on CPU drivers, so the scan uses neither:
// every invocation scans its own candidates against its copy of the threshold and keeps those that beat it in
// registers (TkHeld, four at most); when it holds four and finds more, it stops and raises a flag (tk_stall).
// At the end of a scan (tk_rescan) the held candidates are packed after the kept best K (and their padding up
// to K4 = K rounded up to 4) and reduced with them to the best K, raising the threshold; then every invocation
// goes on from where it stopped, until no one stopped. Needs CAP >= K4 + 4 * WG and TK_PADDED.

fn tk_k4() -> u32 { return (K + 3u) & ~3u; }

/** An invocation's held candidates: keys[0..n), pos[0..n) */
struct TkHeld { keys: vec4<u32>, pos: vec4<u32>, n: u32 }

/** tk_key of four scores. */
fn tk_key4(v: vec4<f32>, largest: bool) -> vec4<u32> {
  var u = bitcast<vec4<u32>>(v);
  u = select(u, vec4<u32>(0u), u == vec4<u32>(0x80000000u));
  var o = select(u | vec4<u32>(0x80000000u), ~u, (u & vec4<u32>(0x80000000u)) != vec4<u32>(0u));
  if (!largest) { o = ~o; }
  return select(o, vec4<u32>(0u), (u & vec4<u32>(0x7fffffffu)) > vec4<u32>(0x7f800000u));
}

/** Which of four candidates (padding where not `live`) beat the threshold (tk, tp). */
fn tk_beats4(keys: vec4<u32>, pos: vec4<u32>, live: vec4<bool>, tk: u32, tp: u32) -> vec4<bool> {
  return live & ((keys > vec4<u32>(tk)) | ((keys == vec4<u32>(tk)) & (pos < vec4<u32>(tp))));
}

/** Holds the candidates where `take`; false (holding none of them) when they do not all fit. */
fn tk_hold4(h: ptr<function, TkHeld>, keys: vec4<u32>, pos: vec4<u32>, take: vec4<bool>) -> bool {
  let c = dot(select(vec4<u32>(0u), vec4<u32>(1u), take), vec4<u32>(1u));
  if ((*h).n + c > 4u) { return false; }
  for (var j = 0u; j < 4u; j++) {
    if (take[j]) { (*h).keys[(*h).n] = keys[j]; (*h).pos[(*h).n] = pos[j]; (*h).n++; }
  }
  return true;
}

/** This invocation cannot hold more: it stops its scan (and calls tk_rescan with the workgroup). */
fn tk_stall() { atomicStore(&ccount, 1u); }

/** Starts the scans (after tk_init or tk_prefilter): nothing kept, the padding below K4 in place. */
fn tk_scan_init(lid: u32) {
  for (var i = lid; i < tk_k4(); i += WG) { ckey_set(i, 0u); cpos[i] = TK_NONE; }
  if (lid == 0u) {
    atomicStore(&ccount, 0u);
    tkKept = 0u;
  }
  workgroupBarrier();
}

/** Where this invocation's candidates go when every invocation's are packed from slot `base` (after the kept
 *  best K and their padding: base = K4): .x its first slot, .y the end of all. Each invocation's count is in
 *  skey[countsAt + lid], written before a barrier. */
fn tk_pack_offset(lid: u32, countsAt: u32, base: u32) -> vec2<u32> {
  var at = base;
  var total = base;
  for (var i = 0u; i < WG; i++) {
    let c = skey[countsAt + i];
    if (i < lid) { at += c; }
    total += c;
  }
  return vec2<u32>(at, total);
}

/** Reduces the kept and the packed candidates [.., total) to the best K (in uniform control flow, once the
 *  packing is written), then puts the padding below K4 back and clears the stall flag. */
fn tk_reduce_packed(lid: u32, total: u32) {
  workgroupBarrier();
  // tk_reduce takes [tkKept, n) as the new run: with nothing kept yet, the padding below K4 is part of it
  tk_reduce(lid, total);
  if (lid == 0u) {
    for (var s = K; s < tk_k4(); s++) { ckey_set(s, 0u); cpos[s] = TK_NONE; }
    atomicStore(&ccount, 0u);
  }
  workgroupBarrier();
}

/** Ends a scan (in uniform control flow): reduces the kept and all held candidates to the best K, empties
 *  `h`, and returns whether some invocation stopped early (then the scans go on). */
fn tk_rescan(lid: u32, h: ptr<function, TkHeld>) -> bool {
  skey[lid] = (*h).n;
  let stalled = workgroupUniformLoad(&ccount) != 0u;
  let at = tk_pack_offset(lid, 0u, tk_k4());
  for (var j = 0u; j < (*h).n; j++) { ckey_set(at.x + j, (*h).keys[j]); cpos[at.x + j] = (*h).pos[j]; }
  (*h).n = 0u;
  tk_reduce_packed(lid, at.y);
  return stalled;
}

/** How many of the WG * 4 keys in ckey4 (each invocation's four written before a barrier) are better than each
 *  of this invocation's four keys `best` (.gt), and how many at least as good (.ge). */
struct TkRanks { gt: vec4<u32>, ge: vec4<u32> }

fn tk_rank_keys(best: vec4<u32>) -> TkRanks {
  var gt = vec4<u32>(0u);
  var ge = vec4<u32>(0u);
  for (var j = 0u; j < WG; j++) {
    let b = ckey4[j];
    for (var i = 0u; i < 4u; i++) {
      gt[i] += dot(select(vec4<u32>(0u), vec4<u32>(1u), b > vec4<u32>(best[i])), vec4<u32>(1u));
      ge[i] += dot(select(vec4<u32>(0u), vec4<u32>(1u), b >= vec4<u32>(best[i])), vec4<u32>(1u));
    }
  }
  return TkRanks(gt, ge);
}

/** Which of the four keys ranked by `r` is the rank-th best (rank >= 1): #(keys > v) < rank <= #(keys >= v). */
fn tk_is_rank(r: TkRanks, rank: u32) -> vec4<bool> {
  return (r.gt < vec4<u32>(rank)) & (r.ge >= vec4<u32>(rank));
}

/** Starts a selection (after tk_init, K <= WG * 4) with a threshold: the K-th best of the WG * 4 keys `best`,
 *  each the best key of its own disjoint set of candidates, so at least K candidates have a key at least as
 *  good (the threshold takes every candidate with such a key). Call tk_scan_init after it. */
fn tk_prefilter(lid: u32, best: vec4<u32>) {
  ckey4[lid] = best;
  workgroupBarrier();
  let hit = tk_is_rank(tk_rank_keys(best), K);
  for (var i = 0u; i < 4u; i++) { if (hit[i]) { atomicStore(&ccount, best[i]); } } // all write the same key
  workgroupBarrier();
  if (lid == 0u) { thrKey = atomicLoad(&ccount); thrPos = TK_NONE; } // published by tk_scan_init's barrier
}
