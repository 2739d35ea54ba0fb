// Autograd matmulT backward for its second operand: dx[n, :] = sum_b g[b, n] q[b, :] for g [B, N] and
// q [B, D] (D = 4 D4), the product g^T q over the batch axis. One invocation holds a 4 x 16 block of dx (4 rows
// of 4 vec4) in registers and per b loads 4 values of g and 4 vec4 of q for 64 multiply-adds; no workgroup
// memory, no barriers. Each output is one fma chain in increasing b from 0, as the tiled product sums it.
#include "lib/grid.wgsl"
struct Params { nb: u32, n: u32, d4: u32, dTiles: u32, tiles: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;               // [B, N]
@group(0) @binding(2) var<storage, read> q: array<vec4<f32>>;         // [B, D4]
@group(0) @binding(3) var<storage, read_write> dx: array<vec4<f32>>;  // [N, D4]

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let id = grid_item(grid, lid, 64u);
  if (id >= params.tiles) { return; }
  let nt = id / params.dTiles;
  let n0 = nt * 4u;
  let j0 = (id - nt * params.dTiles) * 4u;
  // rows and columns past the end read the last one (always in bounds) and are not written
  var ni: array<u32, 4>;
  var jj: array<u32, 4>;
  for (var r = 0u; r < 4u; r++) { ni[r] = min(n0 + r, params.n - 1u); jj[r] = min(j0 + r, params.d4 - 1u); }
  var acc: array<array<vec4<f32>, 4>, 4>;
  for (var b = 0u; b < params.nb; b++) {
    var gv: array<f32, 4>;
    var qv: array<vec4<f32>, 4>;
    for (var r = 0u; r < 4u; r++) { gv[r] = g[b * params.n + ni[r]]; qv[r] = q[b * params.d4 + jj[r]]; }
    for (var i = 0u; i < 4u; i++) {
      for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(vec4<f32>(gv[i]), qv[j], acc[i][j]); }
    }
  }
  for (var i = 0u; i < 4u; i++) {
    if (n0 + i >= params.n) { break; }
    for (var j = 0u; j < 4u; j++) {
      if (j0 + j < params.d4) { dx[(n0 + i) * params.d4 + j0 + j] = acc[i][j]; }
    }
  }
}
