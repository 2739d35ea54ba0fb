// Autograd scoresBatched backward for the candidates: dx[b, c, k] = g[b, c] * q[b, k] (one invocation each).
#include "lib/grid.wgsl"
struct Params { nb: u32, c: u32, d: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> q: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let i = grid_item(grid, lid, 256u);
  if (i >= params.nb * params.c * params.d) { return; }
  let bc = i / params.d;
  let k = i - bc * params.d;
  let b = bc / params.c;
  dx[i] = g[bc] * q[b * params.d + k];
}
