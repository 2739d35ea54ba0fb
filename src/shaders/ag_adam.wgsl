// Autograd optimizer: one fused Adam / AdamW update per parameter tensor (PyTorch's formulas).
// decoupled = 1 (AdamW): p *= 1 - lr * wd;  decoupled = 0 (Adam): g += wd * p.
// m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  p -= lr * (m / bc1) / (sqrt(v / bc2) + eps)
// with bc1 = 1 - b1^step, bc2 = 1 - b2^step computed on the host.
#include "lib/grid.wgsl"
struct Params { n: u32, lr: f32, b1: f32, b2: f32, eps: f32, wd: f32, bc1: f32, bc2: f32, decoupled: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> p: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let i = grid_item(grid, lid, 256u);
  if (i >= params.n) { return; }
  var pv = p[i];
  var gv = g[i];
  if (params.decoupled == 1u) { pv = pv * (1.0 - params.lr * params.wd); } else { gv = gv + params.wd * pv; }
  let mv = params.b1 * m[i] + (1.0 - params.b1) * gv;
  let vv = params.b2 * v[i] + (1.0 - params.b2) * gv * gv;
  m[i] = mv;
  v[i] = vv;
  p[i] = pv - params.lr * (mv / params.bc1) / (sqrt(vv / params.bc2) + params.eps);
}
