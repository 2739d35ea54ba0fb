// Module: vector_words (lib/adc_score4.wgsl) from the codes buffer (lib/adc_codes.wgsl): vector v's words start at
// word v * ceil(M / 8).
#include "lib/adc_codes.wgsl"

fn vector_words(v: u32) -> Words {
  let wpv = (M + 7u) / 8u;
  let base = v * wpv;
  var x: Words;
  x.a.x = codes[base];
  if (wpv > 1u) { x.a.y = codes[base + 1u]; }
  if (wpv > 2u) { x.a.z = codes[base + 2u]; }
  if (wpv > 3u) { x.a.w = codes[base + 3u]; }
  if (wpv > 4u) { x.b.x = codes[base + 4u]; }
  if (wpv > 5u) { x.b.y = codes[base + 5u]; }
  if (wpv > 6u) { x.b.z = codes[base + 6u]; }
  if (wpv > 7u) { x.b.w = codes[base + 7u]; }
  return x;
}
