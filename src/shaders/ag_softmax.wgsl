// Autograd softmax / logSoftmax over the last axis with a temperature: for each row of `len` values,
// mode 0: y = softmax(x / tau), mode 1: y = x / tau - logsumexp(x / tau).
// A workgroup takes 64 rows: one pass of online statistics per row, then y is written elementwise
// (lib/online_softmax.wgsl).
#include "lib/grid.wgsl"
#include "lib/online_softmax.wgsl"
struct Params { rows: u32, len: u32, invTau: f32, mode: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

fn row_tile_value(i: u32) -> f32 { return x[i]; }

fn row_softmax_write(i: u32, col: u32, st: RowSoftmax) {
  let z = x[i] * params.invTau - st.m;
  if (params.mode == 0u) { y[i] = exp(z) / st.s; } else { y[i] = z - log(st.s); }
}

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  row_softmax_kernel(grid_group(grid), lid, params.rows, params.len, params.invTau);
}
