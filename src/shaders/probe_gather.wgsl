// Roofline probe, random 4-byte gathers from a table of 2^(32 - shift) words: invocation t starts the
// linear congruential sequence s = (t ^ 0x9e3779b9) * 0x85ebca6b, then `lookups` times steps
// s = s * 1664525 + 1013904223 and adds (mod 2^32) table[s >> shift]; it writes the sum to out[t].
// The indices do not depend on loaded values, so the lookups of one invocation can be in flight together.
#include "lib/grid.wgsl"
struct Params { threads: u32, lookups: u32, shift: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> table: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let t = grid_item(grid, lid, 256u);
  if (t >= params.threads) { return; }
  var s = (t ^ 0x9e3779b9u) * 0x85ebca6bu;
  var acc = 0u;
  for (var j = 0u; j < params.lookups; j++) {
    s = s * 1664525u + 1013904223u;
    acc += table[s >> params.shift];
  }
  out[t] = acc;
}
