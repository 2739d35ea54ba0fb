// Module: the inputs of an ADC scan over probed inverted lists (adc_scan, adc_score) but the codes (binding 5:
// lib/adc_codes.wgsl, or lib/adc_score4_texels.wgsl) and the score term of one code. Vector v of list l has codes
// b_j (BITS bits each, packed LSB first into u32 words); its score against
// query q probed through list l is coarse[q][p] + sum_j adc_term(q's table base, l's term base, j * ksub + b_j):
//   ip: lut[q][j][b_j]
//   l2: l2Term[l][j][b_j] - 2 lut[q][j][b_j]      (Faiss's precomputed term, see adcL2Term)
override M: u32 = 8u;          // sub-quantizers
override BITS: u32 = 8u;       // bits per code (8 or 4)
override METRIC_L2: u32 = 0u;  // 0: inner product (largest first), 1: squared L2 (smallest first)

@group(0) @binding(1) var<storage, read> lut: array<f32>;          // nq x M x ksub
@group(0) @binding(2) var<storage, read> probes: array<i32>;       // nq x nprobe, -1 = skip
@group(0) @binding(3) var<storage, read> coarse: array<f32>;       // nq x nprobe
@group(0) @binding(4) var<storage, read> listOffsets: array<u32>;  // nlist + 1
@group(0) @binding(6) var<storage, read> l2Term: array<f32>;       // nlist x M x ksub (l2 only)

/** The term of code word o = j * ksub + b_j for the table at lutBase and the L2 term at termBase. */
fn adc_term(lutBase: u32, termBase: u32, o: u32) -> f32 {
  if (METRIC_L2 != 0u) { return l2Term[termBase + o] - 2.0 * lut[lutBase + o]; }
  return lut[lutBase + o];
}
