// ADC lookup tables. For rows X (nrows x d, d = m * dsub) and PQ codebooks C (m x ksub x dsub):
//   l2 = 0: out[r][j][c] = <X[r][j*dsub..], C[j][c]>                (per-query tables)
//   l2 = 1: out[r][j][c] = ||C[j][c]||^2 + 2 <X[r][j*dsub..], C[j][c]> (Faiss's precomputed term per IVF centroid)
// One workgroup covers 64 codewords of one sub-quantizer for RT rows: each invocation holds one codeword's
// partial sums for RT rows in registers, reads each codebook element once per RT rows and the rows' elements as
// workgroup-uniform (broadcast) loads; writes are contiguous along c.
#include "lib/grid.wgsl"
#include "lib/adc_lut_io.wgsl"

const RT: u32 = 16u;

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let g = grid_group(grid);
  let perRowTile = params.m * params.cblocks;
  let rtiles = (params.nrows + RT - 1u) / RT;
  if (g >= perRowTile * rtiles) { return; }
  let r0 = (g / perRowTile) * RT;
  let j = (g % perRowTile) / params.cblocks;
  let c = (g % params.cblocks) * 64u + lid;
  let cc = min(c, params.ksub - 1u);
  let d = params.m * params.dsub;
  let cbase = (j * params.ksub + cc) * params.dsub;
  let nr = min(RT, params.nrows - r0);
  var acc: array<f32, RT>;
  for (var i = 0u; i < RT; i++) { acc[i] = 0.0; }
  var nrm = 0.0;
  for (var t = 0u; t < params.dsub; t++) {
    let cv = codebooks[cbase + t];
    nrm += cv * cv;
    let xo = r0 * d + j * params.dsub + t;
    for (var i = 0u; i < RT; i++) {
      let ri = min(i, nr - 1u);
      acc[i] += x[xo + ri * d] * cv;
    }
  }
  if (c >= params.ksub) { return; }
  for (var i = 0u; i < nr; i++) {
    var v = acc[i];
    if (params.l2 != 0u) { v = nrm + 2.0 * v; }
    out[((r0 + i) * params.m + j) * params.ksub + c] = v;
  }
}
