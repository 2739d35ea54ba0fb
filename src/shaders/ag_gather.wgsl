// Autograd gatherRows forward: out[b, j] = table[idx[b], j] for a table of n rows of d floats.
// idx = -1 is padding (a zero row); any other index outside [0, n) writes NaN so the mistake shows up.
#include "lib/grid.wgsl"
struct Params { nb: u32, n: u32, d: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> table: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let i = grid_item(grid, lid, 256u);
  if (i >= params.nb * params.d) { return; }
  let b = i / params.d;
  let j = i - b * params.d;
  let r = idx[b];
  if (r == -1) { out[i] = 0.0; return; }
  if (!(r >= 0 && u32(r) < params.n)) { out[i] = bitcast<f32>(0x7fc00000u + (params.d - params.d)); return; } // runtime NaN (a constant NaN is rejected)
  out[i] = table[u32(r) * params.d + j];
}
