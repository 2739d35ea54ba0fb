// Autograd gatherCols forward: out[b, j] = a[b, idx[j]] for a of rows x n and idx of nj column indices.
// idx = -1 is padding (a zero column); any other index outside [0, n) writes NaN so the mistake shows up.
#include "lib/grid.wgsl"
struct Params { rows: u32, n: u32, nj: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> idx: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let i = grid_item(grid, lid, 256u);
  if (i >= params.rows * params.nj) { return; }
  let b = i / params.nj;
  let c = idx[i - b * params.nj];
  var v = 0.0;
  if (c != -1) {
    if (c >= 0 && u32(c) < params.n) { v = a[b * params.n + u32(c)]; }
    else { v = bitcast<f32>(0x7fc00000u + (params.n - params.n)); } // runtime NaN (a constant NaN is rejected)
  }
  out[i] = v;
}
