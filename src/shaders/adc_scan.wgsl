// ADC scan of the probed inverted lists with a fused top-K (lib/select.wgsl); one workgroup per query. The
// query's probed lists are laid end to end (a table of up to PB probes at a time in workgroup memory) and
// scanned in rounds: neighbouring invocations score neighbouring vectors, each a sum of M table lookups
// (lib/adc_lists.wgsl), and offer them to the streaming selection keyed by database position (ties -> lower
// position).
#include "lib/grid.wgsl"
#include "lib/select.wgsl"
#include "lib/adc_lists.wgsl"
#include "lib/adc_codes.wgsl"

struct Params { nq: u32, nprobe: u32, nlist: u32, wpv: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(7) var<storage, read_write> outScores: array<u32>;
@group(0) @binding(8) var<storage, read_write> outIds: array<i32>; // database positions (adc_pos_ids maps them to ids)

const PB: u32 = 64u;
var<workgroup> pstart: array<u32, PB>;
var<workgroup> pcum: array<u32, 65>;
var<workgroup> pcoarse: array<f32, PB>;
var<workgroup> plist: array<u32, PB>;

fn score(q: u32, p: u32, v: u32) -> f32 {
  let ksub = 1u << BITS;
  let cpw = 32u / BITS;
  let lutBase = q * M * ksub;
  let termBase = plist[p] * M * ksub;
  let base = v * params.wpv;
  var s = pcoarse[p];
  for (var w = 0u; w < params.wpv; w++) {
    let word = codes[base + w];
    var ws = 0.0; // one partial sum per code word, added in adc_score's order: both scans give the same bits
    for (var t = 0u; t < cpw; t++) {
      let j = w * cpw + t;
      if (j < M) {
        let c = (word >> (t * BITS)) & (ksub - 1u);
        ws += adc_term(lutBase, termBase, j * ksub + c);
      }
    }
    s += ws;
  }
  return s;
}

@compute @workgroup_size(WG)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let q = grid_group(grid);
  if (q >= params.nq) { return; }
  let largest = METRIC_L2 == 0u;
  tk_init(lid);
  for (var p0 = 0u; p0 < params.nprobe; p0 += PB) {
    let nb = min(PB, params.nprobe - p0);
    if (lid == 0u) {
      var cum = 0u;
      for (var i = 0u; i < nb; i++) {
        let at = q * params.nprobe + p0 + i;
        let l = probes[at];
        var st = 0u;
        var len = 0u;
        if (l >= 0 && u32(l) < params.nlist) { st = listOffsets[l]; len = listOffsets[l + 1] - st; }
        pcum[i] = cum;
        pstart[i] = st;
        plist[i] = select(0u, u32(l), l >= 0);
        pcoarse[i] = coarse[at];
        cum += len;
      }
      pcum[nb] = cum;
    }
    let total = workgroupUniformLoad(&pcum[nb]);
    for (var e0 = 0u; e0 < total; e0 += WG * PER) {
      tk_round(lid);
      let tk = thrKey;
      let tp = thrPos;
      for (var r = 0u; r < PER; r++) {
        let e = e0 + r * WG + lid;
        if (e < total) {
          var lo = 0u;
          var hi = nb;
          while (hi - lo > 1u) {
            let mid = (lo + hi) / 2u;
            if (pcum[mid] <= e) { lo = mid; } else { hi = mid; }
          }
          let v = pstart[lo] + (e - pcum[lo]);
          tk_offer(tk_key(score(q, lo, v), largest), v, tk, tp);
        }
      }
    }
    workgroupBarrier(); // the probe table is rewritten for the next batch
  }
  let kept = tk_finish(lid);
  let o = q * K;
  let pad = select(0x7f800000u, 0xff800000u, largest);
  for (var i = lid; i < K; i += WG) {
    var s = pad;
    var id = -1;
    if (i < kept) { s = tk_value_bits(ckey_get(i), largest); id = i32(cpos[i]); }
    outScores[o + i] = s;
    outIds[o + i] = id;
  }
}
