enable subgroups;
// subgroupAny's result is the same in every lane of the 8-invocation workgroup (one subgroup): the branch on it
// is subgroup-uniform, which the analysis cannot see
diagnostic(off, subgroup_uniformity);
// The 4-bit register-table scan (lib/adc_score4.wgsl) with the top-k's first cut fused in: a query's candidates
// that cannot be among its best K are not written. Each of the 8 lanes keeps the best HEAP = ceil(K / 8) <= 16
// keys (tk_key) it has scored, sorted in four vec4 registers (a branchless insertion: max/min down the list),
// entry HEAP - 1 being the lane's HEAP-th best (0 until it has HEAP). thr = the lanes' smallest HEAP-th best: at least
// 8 x HEAP >= K candidates have keys >= thr, so the query's K-th best key is >= thr, and a candidate with a key
// < thr is not among the best K (ties at thr are kept). thr only rises as the lists are scanned (nearest first).
// The candidates that reach thr are written compacted (subgroup prefix sums): outKeys[q][i] = key, outPos[q][i] =
// column (adc_cols's layout, as adc_score writes it), i < count, and the count into counts[q] (the row length
// topk_select reads). The top-k of these pairs is the top-k of every column's score, ties by lower column, so
// the scan's results are unchanged.
#include "lib/adc_score4_words.wgsl"
#include "lib/adc_score4_cut_main.wgsl"
