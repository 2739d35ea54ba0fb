// Module: 4-bit ADC scores with the tables in registers (adc_score4_sg, adc_score4_cut), for a workgroup of 8
// invocations that is (part of) one subgroup: lane s holds entries s and s + 8 of every sub-quantizer's table,
// and a lookup of code c is select(shuffle(lo, c & 7), shuffle(hi, c & 7), c >= 8). Sums in the pair-table
// scan's order (adcPairTables, then adc_score with 8-bit codes of ceil(M / 2) sub-quantizers): per byte i of a
// code word, pair_i = t[2i][lo] + t[2i+1][hi] (l2: l2pair_i - 2 lutpair_i); ws = sum of the word's pairs in
// byte order; s = coarse + ws_0 + ws_1 + ... so every 4-bit scan gives the same bits. Needs lib/adc_lists.wgsl
// (M, METRIC_L2, lut, l2Term), `enable subgroups` in the kernel, and a module that defines vector_words(v), the
// code words of vector v (lib/adc_score4_words.wgsl from the codes buffer, lib/adc_score4_texels.wgsl from a
// texture). Callers keep the lookups in uniform control flow (shuffles need all lanes).
/** Lane s's entries of the tables of the eight sub-quantizers of one code word: l_k = t[k][s], h_k = t[k][s + 8]. */
struct Tab8 {
  l0: f32, l1: f32, l2: f32, l3: f32, l4: f32, l5: f32, l6: f32, l7: f32,
  h0: f32, h1: f32, h2: f32, h3: f32, h4: f32, h5: f32, h6: f32, h7: f32,
}

/** The entry of code c of the table held as (lo, hi) across the subgroup's first 8 lanes. */
fn sg_look(lo: f32, hi: f32, c: u32) -> f32 {
  let a = subgroupShuffle(lo, c & 7u);
  let b = subgroupShuffle(hi, c & 7u);
  return select(a, b, c >= 8u);
}

/** The entry k of code word w's sub-quantizers (k < n) from the table array `src` (0: lut, 1: l2Term) at
 *  base b (the table of sub-quantizer 8w), lane s; 0 past the last sub-quantizer. */
fn tab_at(src: u32, b: u32, k: u32, n: u32, s: u32) -> f32 {
  if (k >= n) { return 0.0; }
  if (src == 0u) { return lut[b + k * 16u + s]; }
  return l2Term[b + k * 16u + s];
}

/** Word w's eight tables (sub-quantizers 8w .. 8w + 7; those at or past M are 0 and never summed). */
fn load_tab8(src: u32, base: u32, w: u32, s: u32) -> Tab8 {
  let n = min(8u, M - min(M, w * 8u));
  let b = base + w * 128u;
  return Tab8(
    tab_at(src, b, 0u, n, s), tab_at(src, b, 1u, n, s), tab_at(src, b, 2u, n, s), tab_at(src, b, 3u, n, s),
    tab_at(src, b, 4u, n, s), tab_at(src, b, 5u, n, s), tab_at(src, b, 6u, n, s), tab_at(src, b, 7u, n, s),
    tab_at(src, b + 8u, 0u, n, s), tab_at(src, b + 8u, 1u, n, s), tab_at(src, b + 8u, 2u, n, s), tab_at(src, b + 8u, 3u, n, s),
    tab_at(src, b + 8u, 4u, n, s), tab_at(src, b + 8u, 5u, n, s), tab_at(src, b + 8u, 6u, n, s), tab_at(src, b + 8u, 7u, n, s));
}

/** The byte pair (sub-quantizers 2i and 2i + 1 of the word, codes in byte i) of the tables t: the pair table's
 *  entry, t[2i][lo] + t[2i+1][hi], or t[2i][lo] alone when 2i + 1 is past the last sub-quantizer (n of them). */
fn pair(word: u32, i: u32, n: u32, la: f32, ha: f32, lb: f32, hb: f32) -> f32 {
  let c = word >> (i * 8u);
  let a = sg_look(la, ha, c & 15u);
  if (2u * i + 1u < n) { return a + sg_look(lb, hb, (c >> 4u) & 15u); }
  return a;
}

/** One byte's term: ip the lut pair; l2 the L2 term's pair - 2 x the lut pair (adc_term on pair tables). */
fn term(word: u32, i: u32, n: u32, t: Tab8, u: Tab8) -> f32 {
  var v: f32;
  var x: f32;
  switch (i) {
    case 0u: { v = pair(word, 0u, n, t.l0, t.h0, t.l1, t.h1); x = pair(word, 0u, n, u.l0, u.h0, u.l1, u.h1); }
    case 1u: { v = pair(word, 1u, n, t.l2, t.h2, t.l3, t.h3); x = pair(word, 1u, n, u.l2, u.h2, u.l3, u.h3); }
    case 2u: { v = pair(word, 2u, n, t.l4, t.h4, t.l5, t.h5); x = pair(word, 2u, n, u.l4, u.h4, u.l5, u.h5); }
    default: { v = pair(word, 3u, n, t.l6, t.h6, t.l7, t.h7); x = pair(word, 3u, n, u.l6, u.h6, u.l7, u.h7); }
  }
  if (METRIC_L2 != 0u) { return x - 2.0 * v; }
  return v;
}

/** The sum of code word w's byte terms in byte order (the pair-table scan's partial sum of one word). */
fn word_sum(word: u32, w: u32, t: Tab8, u: Tab8) -> f32 {
  let n = min(8u, M - min(M, w * 8u));
  var ws = term(word, 0u, n, t, u);
  if (n > 2u) { ws += term(word, 1u, n, t, u); }
  if (n > 4u) { ws += term(word, 2u, n, t, u); }
  if (n > 6u) { ws += term(word, 3u, n, t, u); }
  return ws;
}

/** The eight words' tables of one source (words at or past the vector's last are not loaded). */
struct Tabs { t0: Tab8, t1: Tab8, t2: Tab8, t3: Tab8, t4: Tab8, t5: Tab8, t6: Tab8, t7: Tab8 }

fn load_tabs(src: u32, base: u32, s: u32) -> Tabs {
  let wpv = (M + 7u) / 8u;
  var r: Tabs;
  r.t0 = load_tab8(src, base, 0u, s);
  if (wpv > 1u) { r.t1 = load_tab8(src, base, 1u, s); }
  if (wpv > 2u) { r.t2 = load_tab8(src, base, 2u, s); }
  if (wpv > 3u) { r.t3 = load_tab8(src, base, 3u, s); }
  if (wpv > 4u) { r.t4 = load_tab8(src, base, 4u, s); }
  if (wpv > 5u) { r.t5 = load_tab8(src, base, 5u, s); }
  if (wpv > 6u) { r.t6 = load_tab8(src, base, 6u, s); }
  if (wpv > 7u) { r.t7 = load_tab8(src, base, 7u, s); }
  return r;
}

/** The code words of one vector (M <= 64: at most 8): word w is a[w] for w < 4, b[w - 4] after; words at or past
 *  the vector's last are never read. */
struct Words { a: vec4<u32>, b: vec4<u32> }

/** The score of the vector with code words x: c0 + the words' sums, in word order. */
fn vector_score(x: Words, c0: f32, t: Tabs, u: Tabs) -> f32 {
  let wpv = (M + 7u) / 8u;
  var s = c0 + word_sum(x.a.x, 0u, t.t0, u.t0);
  if (wpv > 1u) { s += word_sum(x.a.y, 1u, t.t1, u.t1); }
  if (wpv > 2u) { s += word_sum(x.a.z, 2u, t.t2, u.t2); }
  if (wpv > 3u) { s += word_sum(x.a.w, 3u, t.t3, u.t3); }
  if (wpv > 4u) { s += word_sum(x.b.x, 4u, t.t4, u.t4); }
  if (wpv > 5u) { s += word_sum(x.b.y, 5u, t.t5, u.t5); }
  if (wpv > 6u) { s += word_sum(x.b.z, 6u, t.t6, u.t6); }
  if (wpv > 7u) { s += word_sum(x.b.w, 7u, t.t7, u.t7); }
  return s;
}
