enable subgroups;
// Roofline probe, table lookups by subgroup shuffles (the 4-bit ADC scan's lookup, adc_score4_sg): a 16-word
// table is held across the first 8 lanes of a subgroup (lane s: words s and s + 8) and word c is read as
// select(shuffle(lo, c & 7), shuffle(hi, c & 7), c >= 8). Invocation t steps the gather probe's sequence
// (probe_gather.wgsl with shift = 28) `lookups` times and adds (mod 2^32) table[s >> 28]; it writes the sum to
// out[t], so its checksums equal probe_gather's on the same 16-word table. Every invocation runs the loop (the
// shuffles need whole subgroups); only t < threads write.
#include "lib/grid.wgsl"
struct Params { threads: u32, lookups: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> table: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32, @builtin(subgroup_invocation_id) sl: u32) {
  let t = grid_item(grid, lid, 256u);
  let lo = table[sl & 7u];
  let hi = table[(sl & 7u) + 8u];
  var s = (t ^ 0x9e3779b9u) * 0x85ebca6bu;
  var acc = 0u;
  for (var j = 0u; j < params.lookups; j++) {
    s = s * 1664525u + 1013904223u;
    let c = s >> 28u;
    acc += select(subgroupShuffle(lo, c & 7u), subgroupShuffle(hi, c & 7u), c >= 8u);
  }
  if (t < params.threads) { out[t] = acc; }
}
