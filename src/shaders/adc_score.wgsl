// ADC scores of the probed inverted lists, written out for a separate top-k pass (topk_select with row
// lengths). No barriers (on CPU drivers a barrier makes the whole shader markedly slower). One workgroup per
// (query, probe); its list's candidates go to the columns adc_cols laid out (cols[q][1 + p]: where probe p's
// list starts in the query's region of `cap` scores). Scores as in lib/adc_lists.wgsl.
#include "lib/adc_score_io.wgsl"
#include "lib/adc_codes.wgsl"

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let g = grid_group(grid);
  if (g >= params.nq * params.nprobe) { return; }
  let ql = g / params.nprobe;       // query within this chunk
  let p = g % params.nprobe;
  let q = params.q0 + ql;
  let pb = q * params.nprobe;
  let l = probes[pb + p];
  if (l < 0 || u32(l) >= params.nlist) { return; }
  let start = listOffsets[l];
  let len = listOffsets[l + 1] - start;
  let off = cols[ql * (params.nprobe + 1u) + 1u + p]; // adc_cols
  if (len == 0u) { return; }
  let region = ql * params.cap;
  let ksub = 1u << BITS;
  let cpw = 32u / BITS;
  let wpv = ((M * BITS + 7u) / 8u + 3u) / 4u;
  let lutBase = q * M * ksub;
  let termBase = u32(l) * M * ksub;
  let c0 = coarse[pb + p];
  let lim = min(len, params.cap - min(off, params.cap));
  for (var i = lid; i < lim; i += 64u) {
    let base = (start + i) * wpv;
    var s = c0;
    for (var w = 0u; w < wpv; w++) {
      let word = codes[base + w];
      var ws = 0.0; // one partial sum per code word: independent chains, so the table loads overlap
      for (var t = 0u; t < cpw; t++) {
        let j = w * cpw + t;
        if (j < M) {
          ws += adc_term(lutBase, termBase, j * ksub + ((word >> (t * BITS)) & (ksub - 1u)));
        }
      }
      s += ws;
    }
    outScores[region + off + i] = s;
  }
}
