// The packed codes of n vectors (words u32 words each, vectors in order) as an rgba32uint texture for the 4-bit
// texture scans (lib/adc_score4_texels.wgsl): vector v takes texels v * tpv .. v * tpv + tpv - 1, tpv =
// ceil(words / 4), and word w of vector v is component w mod 4 of texel v * tpv + w / 4; the components past its
// last word are 0. Texel i is at (i mod 4096, i / 4096) (Engine.TEXEL_ROW). One invocation per texel; texels at or
// past n * tpv are not written.
#include "lib/grid.wgsl"
struct Params { n: u32, words: u32, tpv: u32, _p0: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> codes: array<u32>;
@group(0) @binding(2) var out: texture_storage_2d<rgba32uint, write>;

fn word_of(v: u32, w: u32) -> u32 {
  if (w >= params.words) { return 0u; }
  return codes[v * params.words + w];
}

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let i = grid_item(grid, lid, 64u);
  if (i >= params.n * params.tpv) { return; }
  let v = i / params.tpv;
  let w = (i - v * params.tpv) * 4u;
  let x = vec4<u32>(word_of(v, w), word_of(v, w + 1u), word_of(v, w + 2u), word_of(v, w + 3u));
  textureStore(out, vec2<u32>(i & 4095u, i >> 12u), x);
}
