// Autograd scoresBatched forward: out[b, c] = <q[b], x[b, c]> (each query against its own C candidates).
// A workgroup takes one query and 8 candidates; 32 lanes per candidate stride over the dimensions, so
// neighbouring invocations read neighbouring addresses, then reduce their partial sums in workgroup memory.
#include "lib/grid.wgsl"
struct Params { nb: u32, c: u32, d: u32, tiles: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let w = grid_group(grid);
  let b = w / params.tiles;
  let cand = (w - b * params.tiles) * 8u + lid / 32u;
  let lane = lid % 32u;
  var s = 0.0;
  if (b < params.nb && cand < params.c) {
    let xo = (b * params.c + cand) * params.d;
    let qo = b * params.d;
    for (var k = lane; k < params.d; k += 32u) { s += q[qo + k] * x[xo + k]; }
  }
  red[lid] = s;
  workgroupBarrier();
  for (var off = 16u; off > 0u; off = off / 2u) {
    if (lane < off) { red[lid] = red[lid] + red[lid + off]; }
    workgroupBarrier();
  }
  if (lane == 0u && b < params.nb && cand < params.c) { out[b * params.c + cand] = red[lid]; }
}
