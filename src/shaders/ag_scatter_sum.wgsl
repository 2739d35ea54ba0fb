// Autograd gatherRows / gatherCols backward, step 3: out[row, j] = sum of g[e, j] over the elements e gathered
// from `row`, in their original order (deterministic). One invocation per (row, j < d). Strides place the
// element and j axes: gatherRows has g [E, d] and out [n, d] (ge = d, gj = 1, oe = d, oj = 1, neighbours read
// neighbours); gatherCols has g [d, E] and out [d, n] (ge = 1, gj = E, oe = 1, oj = n).
#include "lib/grid.wgsl"
struct Params { n: u32, d: u32, nchunks: u32, ge: u32, gj: u32, oe: u32, oj: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> offsets: array<u32>;
@group(0) @binding(3) var<storage, read> perm: array<u32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let i = grid_item(grid, lid, 256u);
  if (i >= params.n * params.d) { return; }
  let row = i / params.d;
  let j = i - row * params.d;
  let start = offsets[row * params.nchunks];
  let end = offsets[(row + 1u) * params.nchunks];
  var s = 0.0;
  for (var p = start; p < end; p++) { s += g[perm[p] * params.ge + j * params.gj]; }
  out[row * params.oe + j * params.oj] = s;
}
