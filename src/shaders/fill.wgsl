// Fills a u32 array with one 32-bit pattern (a float's bits or an integer).
#include "lib/grid.wgsl"
struct Params { n: u32, bits: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let i = grid_item(grid, lid, 256u);
  if (i < params.n) { out[i] = params.bits; }
}
