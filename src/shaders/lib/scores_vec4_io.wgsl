// Module: the bindings of the register-tile scores kernels for d a multiple of 4 (scores_vec4, scores_sg): Q
// (nq x d) and X (n x d) as vec4 rows, out (nq x n), and the register-tile module (lib/reg_tile.wgsl) reading A
// from Q and B from X.
#include "lib/reg_tile.wgsl"
struct Params { nq: u32, n: u32, d: u32, metric: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

fn rg_a(at: u32) -> vec4<f32> { return q[at]; }
fn rg_b(at: u32) -> vec4<f32> { return x[at]; }
