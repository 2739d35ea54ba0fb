// Scores for d a multiple of 4 (the `scores` contract, same bits as scores_vec4) on an adapter with subgroups of
// at least 8 invocations (kernels/scores.ts checks the feature and subgroupMinSize). Workgroup (wid.x, wid.y)
// takes queries 32 wid.x + r (r < 32) against rows 8 (WG wid.y + lid) + t (t < 8) of X. Per vec4 of depth, lane s
// of every subgroup loads the vec4s of queries 32 wid.x + 8 i + (s mod 8) (i < 4), and subgroupBroadcast hands
// lane r's vectors to all lanes, so four loads per lane bring 32 queries; each invocation then adds 32 x 8
// products in registers (lib/sg_tile.wgsl, sg_step32). On a SIMD software GPU (lavapipe) every load costs per
// invocation and per component while a broadcast is a register move, so this needs 12 loads per 1024 fma where
// the 4 x 4 register tile needs 8 per 64. Every output is one fma chain in increasing k from 0 (rg_dot4), so the
// bits equal scores_vec4's. Rows past the end are clamped to the last row for loading (every lane stays active
// for the broadcasts) and not written. The metric is a pipeline constant, so the inner-product pipeline carries
// no norm code (params.metric is not read).
enable subgroups;
#include "lib/scores_vec4_io.wgsl"
#include "lib/sg_tile.wgsl"
#include "lib/scores_sg_main.wgsl"
