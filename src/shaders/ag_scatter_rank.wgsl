// Autograd gatherRows backward, step 1 of a deterministic counting sort of the indices (no float atomics).
// The index list is cut into chunks of 256; workgroup `c` ranks each element among the earlier elements of
// its chunk with the same key (a stable rank), and the last element of each key writes that key's count in
// the chunk to counts[key * nchunks + c] (counts is cleared beforehand). Invalid keys are skipped.
#include "lib/grid.wgsl"
struct Params { nb: u32, n: u32, nchunks: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> idx: array<i32>;
@group(0) @binding(2) var<storage, read_write> rank: array<u32>;
@group(0) @binding(3) var<storage, read_write> counts: array<u32>;

var<workgroup> keys: array<i32, 256>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let c = grid_group(grid);
  let i = c * 256u + lid;
  var key = -1;
  if (i < params.nb) {
    let r = idx[i];
    if (r >= 0 && u32(r) < params.n) { key = r; }
  }
  keys[lid] = key;
  workgroupBarrier();
  if (c >= params.nchunks || key < 0) { return; }
  var before = 0u;
  for (var j = 0u; j < lid; j++) { if (keys[j] == key) { before++; } }
  var last = true;
  for (var j = lid + 1u; j < 256u; j++) { if (keys[j] == key) { last = false; break; } }
  rank[i] = before;
  if (last) { counts[u32(key) * params.nchunks + c] = before + 1u; }
}
