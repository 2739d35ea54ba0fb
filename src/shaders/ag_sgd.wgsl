// Autograd optimizer: one fused SGD update per parameter tensor.
// g' = g + wd * p (L2 weight decay); with momentum: v = momentum * v + g', p -= lr * v; else p -= lr * g'.
#include "lib/grid.wgsl"
struct Params { n: u32, lr: f32, momentum: f32, wd: f32, useMomentum: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> p: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let i = grid_item(grid, lid, 256u);
  if (i >= params.n) { return; }
  let pv = p[i];
  var d = g[i] + params.wd * pv;
  if (params.useMomentum == 1u) { d = params.momentum * v[i] + d; v[i] = d; }
  p[i] = pv - params.lr * d;
}
