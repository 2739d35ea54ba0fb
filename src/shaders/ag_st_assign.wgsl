// Autograd straightThroughAssign forward, per row of `len` values x: with z = x * invTau, onehot[j] = 1 at the
// first argmax of z, else 0, and the soft assignment p = softmax(z), kept for the backward pass (which is the
// softmax's). invTau = 1 / tau for logits; invTau = -1 / tau for squared distances (the nearest codeword).
// A workgroup takes 64 rows: one pass of online statistics per row, then onehot and p are written
// elementwise (lib/online_softmax.wgsl).
#include "lib/grid.wgsl"
#include "lib/online_softmax.wgsl"
struct Params { rows: u32, len: u32, invTau: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> onehot: array<f32>;
@group(0) @binding(3) var<storage, read_write> p: array<f32>;

fn row_tile_value(i: u32) -> f32 { return x[i]; }

fn row_softmax_write(i: u32, col: u32, st: RowSoftmax) {
  p[i] = exp(x[i] * params.invTau - st.m) / st.s;
  onehot[i] = select(0.0, 1.0, col == st.arg);
}

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  row_softmax_kernel(grid_group(grid), lid, params.rows, params.len, params.invTau);
}
