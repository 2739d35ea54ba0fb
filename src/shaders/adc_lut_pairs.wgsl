// Byte-pair tables of 4-bit ADC tables. A 4-bit code packs sub-quantizers 2i (low nibble) and 2i + 1 (high
// nibble) into byte i, so for tables t (rows x m x 16) the pair table
//   out[r][i][b] = t[r][2i][b & 15] + t[r][2i + 1][b >> 4]     (2i + 1 = m, odd m: out[r][i][b] = t[r][2i][b & 15])
// (rows x ceil(m / 2) x 256) turns the 4-bit scan into an 8-bit scan of ceil(m / 2) sub-quantizers: one lookup
// per byte instead of two. One workgroup per row.
#include "lib/grid.wgsl"

struct Params { rows: u32, m: u32, _p0: u32, _p1: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> tab: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let r = grid_group(grid);
  if (r >= params.rows) { return; }
  let mp = (params.m + 1u) / 2u;
  let tb = r * params.m * 16u;
  let ob = r * mp * 256u;
  for (var o = lid; o < mp * 256u; o += 64u) {
    let j = (o >> 8u) * 2u;
    let b = o & 255u;
    var v = tab[tb + j * 16u + (b & 15u)];
    if (j + 1u < params.m) { v += tab[tb + j * 16u + 16u + (b >> 4u)]; }
    out[ob + o] = v;
  }
}
