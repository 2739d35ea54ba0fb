enable subgroups;
// ADC scores of 4-bit codes (M <= 64 sub-quantizers of 16 entries) with the tables in registers
// (lib/adc_score4.wgsl), written out for the two-pass scan's top-k (as adc_score writes them; the same columns
// from adc_cols). One workgroup of 8 invocations per query, a subgroup of at least 8 lanes (the host checks the
// adapter's subgroup size). The query's tables are loaded once for all its probes (ip); the L2 term's tables
// once per probed list. Each lane scores its own vectors; past the end of a list a lane scores a copy of the last
// vector (the lookups stay in uniform control flow) and writes nothing.
#include "lib/adc_score4_words.wgsl"
#include "lib/adc_score4_sg_main.wgsl"
