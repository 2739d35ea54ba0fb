enable subgroups;
// subgroupAny's result is the same in every lane of the 8-invocation workgroup (one subgroup): the branch on it
// is subgroup-uniform, which the analysis cannot see
diagnostic(off, subgroup_uniformity);
// topk_stream (lib/topk_stream_main.wgsl) on an adapter with subgroups of at least 8 invocations, in workgroups of
// WG = 8 invocations (one subgroup): the same results. Workgroup-memory accesses cost one load or store per lane
// on CPU drivers, so the first scan (first_scan) holds only which steps have a value that passes the threshold,
// as bits of blocks of 32 steps, without a branch per step; the selection compares registers (subgroup
// operations):
//  1. the held steps are read again and the candidates that beat the threshold packed to pkey/cpos[0, total) by
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

// the candidates of the first scan, packed (keys; positions in cpos): a u32 array, since storing one component of
// a vec4 in workgroup memory (ckey4) loads and stores the whole vec4
var<workgroup> pkey: array<u32, CAP>;

/** Steps per block of first_scan: the bits of a u32. */
const BLOCK: u32 = 32u;

/** Holds a block of first_scan (its first column c0, its bits) in the next slot (*held of them, *steps bits in
 *  all); false when the slots are full or the invocation would hold more than S steps (then the candidates are
 *  likely more than CAP, and the scan stops early as topk_stream's does). Nothing is held for a block without a
 *  bit set. */
fn hold_block(lid: u32, c0: u32, bits: u32, held: ptr<function, u32>, steps: ptr<function, u32>) -> bool {
  if (bits == 0u) { return true; }
  *steps += countOneBits(bits);
  if (*held == S || *steps > S) { return false; }
  spos[lid * S + *held] = c0;
  skey[lid * S + *held] = bits;
  *held += 1u;
  return true;
}

/** first_scan (lib/topk_stream_main.wgsl): invocation lid's steps (of WG * 4 columns) in blocks of BLOCK, each
 *  step's bit set where one of its values passes a float comparison with the threshold (v >= t for the largest,
 *  v <= t for the smallest; NaN passes neither; every step when the threshold is key 0). A block with a bit set
 *  takes a slot: its first column in spos, the bits in skey (bit s: the step at column + s * WG * 4). */
fn first_scan(lid: u32, part: RowPart, largest: bool) -> u32 {
  let all = thrKey == 0u; // a NaN threshold: NaN candidates may still beat it on position
  let sgn = select(-1.0, 1.0, largest);
  let ts = vec4<f32>(sgn * bitcast<f32>(tk_value_bits(thrKey, largest)));
  let step = WG * 4u;
  var held = 0u;
  var steps = 0u;
  var bits = 0u; // the current block's bits so far
  var s = 0u;    // the bit of the next step
  var c0 = first_col(part.begin, lid); // the current block's first column
  var c = c0;
  var full = false;
  if (params.vec4 != 0u) { // four steps per iteration (BLOCK is a multiple of 4) while all four start in the part
    for (; c + 3u * step < part.end; c += 4u * step) {
      let p = steps4((part.rowBase + c) >> 2u, sgn, ts, all).passes;
      bits |= dot(select(vec4<u32>(0u), vec4<u32>(1u, 2u, 4u, 8u), p), vec4<u32>(1u)) << s;
      s += 4u;
      if (s == BLOCK) {
        if (!hold_block(lid, c0, bits, &held, &steps)) { full = true; break; }
        bits = 0u;
        s = 0u;
        c0 = c + 4u * step;
      }
    }
  }
  for (; !full && c < part.end; c += step) {
    let raw = load_raw4(part.rowBase, c, part.end);
    bits |= select(0u, 1u << s, all || any(bitcast<vec4<f32>>(raw) * sgn >= ts));
    s += 1u;
    if (s == BLOCK) {
      if (!hold_block(lid, c0, bits, &held, &steps)) { full = true; break; }
      bits = 0u;
      s = 0u;
      c0 = c + step;
    }
  }
  if (full || !hold_block(lid, c0, bits, &held, &steps)) { tk_stall(); }
  return held;
}

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
  var steps = 0u;
  for (var j = 0u; j < held; j++) { steps += countOneBits(skey[lid * S + j]); }
  let most = subgroupMax(steps);
  let tk = thrKey;
  let tp = thrPos;
  // 1. the candidates of the held steps (one step of each invocation per iteration: the lowest bit left of its
  // current block), packed
  var total = 0u;
  var j = 0u;
  var bits = 0u;
  var base = 0u;
  for (var it = 0u; it < most; it++) {
    if (bits == 0u && j < held) {
      bits = skey[lid * S + j];
      base = spos[lid * S + j];
      j++;
    }
    let live = bits != 0u;
    let col = base + firstTrailingBit(bits) * WG * 4u;
    bits &= bits - 1u;
    var take = vec4<bool>(false);
    var cd = Cands(vec4<u32>(0u), vec4<u32>(0u), vec4<bool>(false));
    if (live) {
      cd = cands_of(load_raw4(part.rowBase, col, part.end), col, part.end, largest);
      take = tk_beats4(cd.keys, cd.pos, cd.live, tk, tp);
    }
    let nt = dot(select(vec4<u32>(0u), vec4<u32>(1u), take), vec4<u32>(1u));
    // one candidate of each invocation per round, the first left (a step rarely has more than one)
    var at = total + subgroupExclusiveAdd(nt);
    var rest = take;
    for (var r = 0u; r < 4u && subgroupAny(any(rest)); r++) {
      let has = any(rest);
      let q = select(select(select(3u, 2u, rest.z), 1u, rest.y), 0u, rest.x);
      if (has && at < CAP) { pkey[at] = cd.keys[q]; cpos[at] = cd.pos[q]; }
      at += select(0u, 1u, has);
      rest &= vec4<u32>(0u, 1u, 2u, 3u) != vec4<u32>(q);
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
    for (var q = 0u; q < 4u; q++) { piv[q] = pkey[(lid * 4u + q) * n / (WG * 4u)]; }
    var ge: array<vec4<u32>, 8>;
    for (var h = 0u; h < n; h += WG) {
      let j = h + lid;
      let b = select(0u, pkey[min(j, CAP - 1u)], j < n);
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
    let k = select(0u, pkey[min(j, CAP - 1u)], j < n);
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
