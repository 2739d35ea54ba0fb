// Module: the bindings of scores_sg_tex: Q (nq x d) and X (n x d) as rgba32float textures of TEXEL_ROW texels per
// row, the vec4 at linear index i at texel (i mod TEXEL_ROW, i / TEXEL_ROW) (Engine.texels), out (nq x n), and
// the register-tile module (lib/reg_tile.wgsl) reading A from Q and B from X. On lavapipe a texel fetch loads
// each invocation's 16 bytes at once and transposes them, where a storage-buffer load of a vec4 at a per-
// invocation address is 32 scalar loads, each behind its own bounds-check branch.
#include "lib/reg_tile.wgsl"
struct Params { nq: u32, n: u32, d: u32, metric: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var q: texture_2d<f32>;
@group(0) @binding(2) var x: texture_2d<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

/** texels per texture row: 4096 (2^12), Engine.TEXEL_ROW */
const TEXEL_ROW_LOG2 = 12u;

fn rg_a(at: u32) -> vec4<f32> { return textureLoad(q, vec2<u32>(at & ((1u << TEXEL_ROW_LOG2) - 1u), at >> TEXEL_ROW_LOG2), 0); }
fn rg_b(at: u32) -> vec4<f32> { return textureLoad(x, vec2<u32>(at & ((1u << TEXEL_ROW_LOG2) - 1u), at >> TEXEL_ROW_LOG2), 0); }
