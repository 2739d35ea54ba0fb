// ADC lookup tables for a few rows (the latency path of adc_lut), same outputs and bits as adc_lut:
//   l2 = 0: out[r][j][c] = <X[r][j*dsub..], C[j][c]>
//   l2 = 1: out[r][j][c] = ||C[j][c]||^2 + 2 <X[r][j*dsub..], C[j][c]>
// Each invocation makes four outputs of one sub-quantizer j, codewords c0 + S i (i < 4, those < ksub), S =
// ceil(ksub / 4), c0 < S, walking t < dsub in adc_lut's order with one running sum per output, so each X[r][j*dsub
// + t] is loaded once for four outputs. Each row's m x S invocations are covered by wpr workgroups of 64 (the row
// is the workgroup's, not the invocation's: no per-invocation division, which a CPU adapter runs lane by lane), and
// a power-of-two S splits an invocation's index into (j, c0) by shift and mask (kbits = log2 S, else 32).
#include "lib/grid.wgsl"
#include "lib/adc_lut_io.wgsl"

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let wg = grid_group(grid);
  let r = wg / params.wpr;
  let u = (wg - r * params.wpr) * 64u + lid; // the invocation within row r
  let ksub = params.ksub;
  let S = (ksub + 3u) / 4u;
  if (r >= params.nrows || u >= params.m * S) { return; }
  var j: u32;
  var c0: u32;
  if (params.kbits < 32u) {
    j = u >> params.kbits;
    c0 = u & (S - 1u);
  } else {
    j = u / S;
    c0 = u % S;
  }
  let c = vec4<u32>(c0) + vec4<u32>(0u, S, 2u * S, 3u * S);
  let live = c < vec4<u32>(ksub);
  let cl = min(c, vec4<u32>(ksub - 1u)); // in range for every lane: loads of dead outputs are discarded
  let cb = (vec4<u32>(j * ksub) + cl) * params.dsub;
  let xo = r * params.m * params.dsub + j * params.dsub;
  var acc = vec4<f32>(0.0);
  var nrm = vec4<f32>(0.0);
  for (var t = 0u; t < params.dsub; t++) {
    let cv = vec4<f32>(codebooks[cb.x + t], codebooks[cb.y + t], codebooks[cb.z + t], codebooks[cb.w + t]);
    nrm += cv * cv;
    acc += vec4<f32>(x[xo + t]) * cv;
  }
  var v = acc;
  if (params.l2 != 0u) { v = nrm + 2.0 * v; }
  let o = r * params.m * ksub + j * ksub;
  for (var i = 0u; i < 4u; i++) { if (live[i]) { out[o + c[i]] = v[i]; } }
}
