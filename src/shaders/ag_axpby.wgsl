// Autograd elementwise: out[i] = alpha * a[i] + beta * b[i % bn]. With bn = n this is a (scaled) sum of two
// same-shape tensors; bn = row length broadcasts a row over every row of `a`; bn = 1 broadcasts a scalar.
// scale(x, s) binds x as both a and b with beta = 0 (read-only aliasing is allowed); a zero factor skips
// its operand entirely (so 0 * NaN does not leak). A workgroup takes 256 * PER elements, an invocation PER of
// them 256 apart (fewer, fuller workgroups: on a software GPU each workgroup has a fixed cost).
#include "lib/grid.wgsl"
struct Params { n: u32, bn: u32, alpha: f32, beta: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

const PER = 16u;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let i0 = grid_group(grid) * 256u * PER + lid;
  for (var t = 0u; t < PER; t++) {
    let i = i0 + t * 256u;
    if (i >= params.n) { return; }
    var av = 0.0;
    var bv = 0.0;
    if (params.alpha != 0.0) { av = params.alpha * a[i]; }
    if (params.beta != 0.0) { bv = params.beta * b[i % params.bn]; }
    out[i] = av + bv;
  }
}
