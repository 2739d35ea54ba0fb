// ADC lookup tables for a few rows (the latency path of adc_lut), same outputs and bits as adc_lut:
//   l2 = 0: out[r][j][c] = <X[r][j*dsub..], C[j][c]>
//   l2 = 1: out[r][j][c] = ||C[j][c]||^2 + 2 <X[r][j*dsub..], C[j][c]>
// One invocation per output, walking t < dsub in adc_lut's order with its running sums; adc_lut's workgroups
// cover 64 codewords each, which for one row is many workgroups of a few products. Each row's outputs are
// covered by wpr workgroups of 256 (the row is the workgroup's, not the invocation's: no per-invocation division,
// which a CPU adapter runs lane by lane), and a power-of-two ksub splits an output by shift and mask.
#include "lib/grid.wgsl"
#include "lib/adc_lut_io.wgsl"

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let wg = grid_group(grid);
  let r = wg / params.wpr;
  let e = (wg - r * params.wpr) * 256u + lid; // the output within row r
  let perRow = params.m * params.ksub;
  if (r >= params.nrows || e >= perRow) { return; }
  let o = r * perRow + e;
  var j: u32;
  var c: u32;
  if (params.kbits < 32u) {
    j = e >> params.kbits;
    c = e & (params.ksub - 1u);
  } else {
    j = e / params.ksub;
    c = e % params.ksub;
  }
  let cbase = (j * params.ksub + c) * params.dsub;
  let xo = r * params.m * params.dsub + j * params.dsub;
  var acc = 0.0;
  var nrm = 0.0;
  for (var t = 0u; t < params.dsub; t++) {
    let cv = codebooks[cbase + t];
    nrm += cv * cv;
    acc += x[xo + t] * cv;
  }
  var v = acc;
  if (params.l2 != 0u) { v = nrm + 2.0 * v; }
  out[o] = v;
}
