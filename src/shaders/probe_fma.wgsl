// Roofline probe, vec4 fused multiply-add rate: invocation t holds four independent vec4 chains, chain k
// starting at (t mod 256) / 256 + (4k, 4k + 1, 4k + 2, 4k + 3), and `iters` times sets a = fma(a, b, c) on
// each (16 lanes, 32 flops per iteration). It writes the sum of the 16 lanes to out[t]. With |b| < 1 every
// chain converges to c / (1 - b), so rounding errors shrink instead of growing.
#include "lib/grid.wgsl"
struct Params { threads: u32, iters: u32, b: f32, c: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let t = grid_item(grid, lid, 256u);
  if (t >= params.threads) { return; }
  let s = vec4<f32>(f32(t & 255u) / 256.0) + vec4<f32>(0.0, 1.0, 2.0, 3.0);
  var a0 = s;
  var a1 = s + vec4<f32>(4.0);
  var a2 = s + vec4<f32>(8.0);
  var a3 = s + vec4<f32>(12.0);
  let b = vec4<f32>(params.b);
  let c = vec4<f32>(params.c);
  for (var i = 0u; i < params.iters; i++) {
    a0 = fma(a0, b, c);
    a1 = fma(a1, b, c);
    a2 = fma(a2, b, c);
    a3 = fma(a3, b, c);
  }
  let v = a0 + a1 + a2 + a3;
  out[t] = v.x + v.y + v.z + v.w;
}
