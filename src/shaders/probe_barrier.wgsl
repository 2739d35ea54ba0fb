// Roofline probe, the cost of a workgroup barrier: each of `groups` workgroups of 256 invocations runs
// `iters` rounds of { sh[lid] = v; barrier; v = sh[(lid + 1) mod 256] * 3 + lid (mod 2^32); barrier },
// starting from v = seed[t], and writes v to out[t]. Two barriers per round; the exchange through
// workgroup memory is what makes them necessary.
#include "lib/grid.wgsl"
struct Params { groups: u32, iters: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> seed: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;
var<workgroup> sh: array<u32, 256>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let g = grid_group(grid);
  if (g >= params.groups) { return; }
  let t = g * 256u + lid;
  var v = seed[t];
  for (var i = 0u; i < params.iters; i++) {
    sh[lid] = v;
    workgroupBarrier();
    v = sh[(lid + 1u) & 255u] * 3u + lid;
    workgroupBarrier();
  }
  out[t] = v;
}
