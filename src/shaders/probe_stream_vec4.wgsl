// Roofline probe, streaming read with 16-byte loads: invocation t of `threads` sums x[t], x[t + threads],
// x[t + 2 * threads], ... (a grid-stride loop over n vec4s) and writes the sum of its four lanes to out[t].
// Neighbouring invocations read neighbouring 16-byte words, so every load is coalesced.
#include "lib/grid.wgsl"
struct Params { n: u32, threads: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let t = grid_item(grid, lid, 256u);
  if (t >= params.threads) { return; }
  var acc = vec4<f32>(0.0);
  for (var i = t; i < params.n; i += params.threads) { acc += x[i]; }
  out[t] = acc.x + acc.y + acc.z + acc.w;
}
