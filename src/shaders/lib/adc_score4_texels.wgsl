// Module: vector_words (lib/adc_score4.wgsl) from the codes as an rgba32uint texture (binding 5, pq_texels's layout):
// vector v's words are texels v * TPV .. v * TPV + TPV - 1, TPV = ceil(M / 32), word w in component w mod 4 of
// texel v * TPV + w / 4; texel i at (i mod 4096, i / 4096) (Engine.TEXEL_ROW). On lavapipe a storage-texture load
// fetches each lane's 16 bytes at once (a call to a short JIT'd function), where a storage-buffer load is one
// scalar load per lane and word behind a mask test and a bounds check.
@group(0) @binding(5) var codeTexels: texture_storage_2d<rgba32uint, read>;

fn code_texel(i: u32) -> vec4<u32> { return textureLoad(codeTexels, vec2<u32>(i & 4095u, i >> 12u)); }

fn vector_words(v: u32) -> Words {
  let tpv = (M + 31u) / 32u;
  var x: Words;
  x.a = code_texel(v * tpv);
  if (tpv > 1u) { x.b = code_texel(v * tpv + 1u); }
  return x;
}
