// Module: the body of the adc_score4_cut kernels (adc_score4_cut reads the codes from the codes buffer,
// adc_score4_cut_tex from a texture): the kernel starts with `enable subgroups;` and the diagnostic, includes the
// words module (lib/adc_score4_words.wgsl or lib/adc_score4_texels.wgsl), then this module. Contract and maths are
// in adc_score4_cut.wgsl.
#include "lib/grid.wgsl"
#include "lib/adc_lists.wgsl"
#include "lib/tk_key.wgsl"
#include "lib/adc_score4.wgsl"

override HEAP: u32 = 2u;  // keys kept per lane: ceil(K / 8), at most 16

struct Params { nq: u32, nprobe: u32, nlist: u32, cap: u32, q0: u32, _p0: u32, _p1: u32, _p2: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(7) var<storage, read_write> outKeys: array<u32>; // a region of cap per query of the chunk
@group(0) @binding(8) var<storage, read> cols: array<u32>;          // adc_cols's layout
@group(0) @binding(9) var<storage, read_write> outPos: array<u32>;  // as outKeys
// per query of the chunk, two words: the candidates written, and the final bound thr (a key at or below the
// query's k-th best: every lane holds HEAP >= k / 8 candidates at or above it, or thr is 0)
@group(0) @binding(10) var<storage, read_write> counts: array<u32>;

/** A sorted (best first) run of four keys with one key inserted: the run's best four, and the key pushed out. */
struct Run4 { v: vec4<u32>, out: u32 }

fn insert4(v: vec4<u32>, x: u32) -> Run4 {
  let a = min(v.x, x);
  let b = min(v.y, a);
  let c = min(v.z, b);
  return Run4(vec4<u32>(max(v.x, x), max(v.y, a), max(v.z, b), max(v.w, c)), min(v.w, c));
}

/** The lane's best 16 keys (best first), of which entries 0 .. HEAP - 1 are kept up to date. */
struct Best { b0: vec4<u32>, b1: vec4<u32>, b2: vec4<u32>, b3: vec4<u32> }

fn best_insert(r: Best, x: u32) -> Best {
  var o = r;
  var i = insert4(r.b0, x);
  o.b0 = i.v;
  if (HEAP > 4u) { i = insert4(r.b1, i.out); o.b1 = i.v; }
  if (HEAP > 8u) { i = insert4(r.b2, i.out); o.b2 = i.v; }
  if (HEAP > 12u) { i = insert4(r.b3, i.out); o.b3 = i.v; }
  return o;
}

/** Entry HEAP - 1: the lane's HEAP-th best key. */
fn best_last(r: Best) -> u32 {
  let j = (HEAP - 1u) & 3u;
  if (HEAP > 12u) { return r.b3[j]; }
  if (HEAP > 8u) { return r.b2[j]; }
  if (HEAP > 4u) { return r.b1[j]; }
  return r.b0[j];
}

@compute @workgroup_size(8)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) sl: u32) {
  let ql = grid_group(grid);
  if (ql >= params.nq) { return; }
  let q = params.q0 + ql;
  let t = load_tabs(0u, q * M * 16u, sl & 7u); // the query's tables, for every probe
  var u = t; // ip: unused
  var best = Best(vec4<u32>(0u), vec4<u32>(0u), vec4<u32>(0u), vec4<u32>(0u));
  var thr = 0u;  // the same in every lane (a subgroup minimum)
  var kept = 0u; // candidates written, the same in every lane
  let region = ql * params.cap;
  let cb = ql * (params.nprobe + 1u);
  for (var p = 0u; p < params.nprobe; p++) {
    let l = probes[q * params.nprobe + p];
    if (l < 0 || u32(l) >= params.nlist) { continue; }
    let start = listOffsets[l];
    let off = cols[cb + 1u + p];
    let lim = min(listOffsets[l + 1] - start, params.cap - min(off, params.cap));
    if (lim == 0u) { continue; }
    if (METRIC_L2 != 0u) { u = load_tabs(1u, u32(l) * M * 16u, sl & 7u); }
    let c0 = coarse[q * params.nprobe + p];
    for (var i0 = 0u; i0 < lim; i0 += 8u) {
      let i = i0 + lid;
      let key = tk_key(vector_score(vector_words(start + min(i, lim - 1u)), c0, t, u), METRIC_L2 == 0u);
      // a key below thr is below its lane's HEAP-th best too: only a kept key changes the lane's list
      let keep = i < lim && key >= thr;
      if (subgroupAny(keep)) {
        if (keep) { best = best_insert(best, key); }
        let f = select(0u, 1u, keep);
        let at = region + kept + subgroupExclusiveAdd(f);
        if (keep) { outKeys[at] = key; outPos[at] = off + i; }
        kept += subgroupAdd(f);
        thr = subgroupMin(best_last(best));
      }
    }
  }
  if (lid == 0u) { counts[2u * ql] = kept; counts[2u * ql + 1u] = thr; }
}
