// Module: the inputs and output of the ADC lookup-table kernels (adc_lut, adc_lut_rows): rows X (nrows x d,
// d = m * dsub), PQ codebooks C (m x ksub x dsub) and the tables out (nrows x m x ksub); l2 = 1 selects Faiss's
// precomputed L2 term. cblocks (64-codeword blocks per sub-quantizer) is used by adc_lut's grid only; wpr
// (workgroups per row) and kbits (log2 S, S = ceil(ksub / 4), or 32 when S is not a power of two) by adc_lut_rows's
// only.
struct Params { nrows: u32, m: u32, ksub: u32, dsub: u32, l2: u32, cblocks: u32, wpr: u32, kbits: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> codebooks: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
