// Module: the body of the adc_score4_sg kernels (adc_score4_sg reads the codes from the codes buffer,
// adc_score4_sg_tex from a texture): the kernel starts with `enable subgroups;`, includes the words module
// (lib/adc_score4_words.wgsl or lib/adc_score4_texels.wgsl), then this module. Contract and maths are in
// adc_score4_sg.wgsl.
#include "lib/adc_score_io.wgsl"
#include "lib/adc_score4.wgsl"

@compute @workgroup_size(8)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) sl: u32) {
  let ql = grid_group(grid); // the query within this chunk
  if (ql >= params.nq) { return; }
  let q = params.q0 + ql;
  let s = sl & 7u;
  let t = load_tabs(0u, q * M * 16u, s);
  var u = t; // ip: unused
  let pb = q * params.nprobe;
  let cb = ql * (params.nprobe + 1u);
  let region = ql * params.cap;
  for (var p = 0u; p < params.nprobe; p++) {
    let l = probes[pb + p];
    if (l < 0 || u32(l) >= params.nlist) { continue; }
    let start = listOffsets[l];
    let len = listOffsets[l + 1] - start;
    let off = cols[cb + 1u + p];
    let lim = min(len, params.cap - min(off, params.cap));
    if (lim == 0u) { continue; }
    if (METRIC_L2 != 0u) { u = load_tabs(1u, u32(l) * M * 16u, s); }
    let c0 = coarse[pb + p];
    for (var i0 = 0u; i0 < lim; i0 += 8u) {
      let i = i0 + lid;
      let sc = vector_score(vector_words(start + min(i, lim - 1u)), c0, t, u);
      if (i < lim) { outScores[region + off + i] = sc; }
    }
  }
}
