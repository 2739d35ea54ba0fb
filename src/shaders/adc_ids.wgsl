// After the top-k of adc_score's columns: maps each selected column of query q back to its vector
// (through adc_score's cols: the column where each probed list starts) and writes the vector's id, in place.
// Workgroups of 64 outputs of one query, wpq = ceil(k / 64) per query: the query is the workgroup's (no
// per-invocation division, which a CPU adapter runs lane by lane).
#include "lib/grid.wgsl"
struct Params { nq: u32, nprobe: u32, nlist: u32, k: u32, q0: u32, wpq: u32, _p1: u32, _p2: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> probes: array<i32>;
@group(0) @binding(2) var<storage, read> listOffsets: array<u32>;
@group(0) @binding(3) var<storage, read> cols: array<u32>;
@group(0) @binding(4) var<storage, read> ids: array<i32>;
@group(0) @binding(5) var<storage, read_write> outIds: array<i32>;

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let wg = grid_group(grid);
  let ql = wg / params.wpq;
  let e = (wg - ql * params.wpq) * 64u + lid; // the output within query ql's k
  if (ql >= params.nq || e >= params.k) { return; }
  let q = params.q0 + ql;
  let at = q * params.k + e;
  let col = outIds[at];
  if (col < 0) { return; }
  let c = u32(col);
  var id = -1;
  for (var p = 0u; p < params.nprobe; p++) {
    let l = probes[q * params.nprobe + p];
    if (l < 0 || u32(l) >= params.nlist) { continue; }
    let off = cols[ql * (params.nprobe + 1u) + 1u + p];
    let st = listOffsets[l];
    if (c >= off && c - off < listOffsets[l + 1] - st) { id = ids[st + c - off]; }
  }
  outIds[at] = id;
}
