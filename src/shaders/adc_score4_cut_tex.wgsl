enable subgroups;
// subgroupAny's result is the same in every lane of the 8-invocation workgroup (one subgroup): the branch on it
// is subgroup-uniform, which the analysis cannot see
diagnostic(off, subgroup_uniformity);
// adc_score4_cut (same contract, same bits) with the code words read from an rgba32float texture (Engine.texelsFrom)
// holding their bits: vector v's words are texels v * TPV .. v * TPV + TPV - 1 (TPV = 1 for M <= 32, else 2;
// words 4j .. 4j + 3 in texel j, unused words 0), the texel at linear index i at (i mod TEXEL_ROW, i / TEXEL_ROW).
// The `codes` buffer is bound but not read. On lavapipe a texel fetch loads each invocation's 16 bytes at once,
// where storage loads at per-invocation addresses are one branchy scalar load per lane and word.
#include "lib/grid.wgsl"
#include "lib/adc_lists.wgsl"
#include "lib/tk_key.wgsl"
#include "lib/adc_score4.wgsl"

@group(0) @binding(11) var codesTex: texture_2d<f32>;

/** texels per texture row: 4096 (2^12), Engine.TEXEL_ROW */
const TEXEL_ROW_LOG2 = 12u;

fn code_texel(at: u32) -> vec4<u32> {
  return bitcast<vec4<u32>>(textureLoad(codesTex, vec2<u32>(at & ((1u << TEXEL_ROW_LOG2) - 1u), at >> TEXEL_ROW_LOG2), 0));
}

/** The score of the vector at position v: its code words from the texture. */
fn cand_score(v: u32, c0: f32, t: Tabs, u: Tabs) -> f32 {
  if (M <= 32u) { return vector_score_words(code_texel(v), vec4<u32>(0u), c0, t, u); }
  return vector_score_words(code_texel(2u * v), code_texel(2u * v + 1u), c0, t, u);
}

#include "lib/adc_score4_cut_main.wgsl"
