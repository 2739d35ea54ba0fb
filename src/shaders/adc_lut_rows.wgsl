// ADC lookup tables for a few rows (the latency path of adc_lut), same outputs and bits as adc_lut:
//   l2 = 0: out[r][j][c] = <X[r][j*dsub..], C[j][c]>
//   l2 = 1: out[r][j][c] = ||C[j][c]||^2 + 2 <X[r][j*dsub..], C[j][c]>
// One invocation per output, walking t < dsub in adc_lut's order with its running sums; adc_lut's workgroups
// cover 64 codewords each, which for one row is many workgroups of a few products.
#include "lib/grid.wgsl"
#include "lib/adc_lut_io.wgsl"

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let o = grid_item(grid, lid, 256u);
  let perRow = params.m * params.ksub;
  if (o >= params.nrows * perRow) { return; }
  let r = o / perRow;
  let j = (o % perRow) / params.ksub;
  let c = o % params.ksub;
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
