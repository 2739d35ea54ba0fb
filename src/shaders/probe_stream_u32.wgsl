// Roofline probe, streaming read with 4-byte loads: invocation t of `threads` adds (mod 2^32) x[t],
// x[t + threads], x[t + 2 * threads], ... (a grid-stride loop over n words) and writes the sum to out[t].
#include "lib/grid.wgsl"
struct Params { n: u32, threads: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let t = grid_item(grid, lid, 256u);
  if (t >= params.threads) { return; }
  var acc = 0u;
  for (var i = t; i < params.n; i += params.threads) { acc += x[i]; }
  out[t] = acc;
}
