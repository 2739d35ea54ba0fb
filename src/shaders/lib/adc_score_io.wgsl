// Module: the inputs and output of the two-pass ADC scan's score kernels (adc_score, adc_score4_sg): the scan's
// inputs (lib/adc_lists.wgsl), the chunk's parameters, the scores (a region of `cap` columns per query of the
// chunk) and adc_cols's layout (cols[q][1 + p]: where probe p's list starts in the query's region).
#include "lib/grid.wgsl"
#include "lib/adc_lists.wgsl"

struct Params { nq: u32, nprobe: u32, nlist: u32, cap: u32, q0: u32, _p0: u32, _p1: u32, _p2: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(7) var<storage, read_write> outScores: array<f32>;
@group(0) @binding(8) var<storage, read> cols: array<u32>; // adc_cols's layout
