// After the top-k of adc_score's columns: maps each selected column of query q back to its vector and writes the
// vector's id, in place. adc_cols's order[q] holds the probed lists in column order (start column non-decreasing):
// the column's list is the last entry r whose start column is <= the column (an empty list ahead of it starts at
// the same column, one behind it starts past it), found by a binary search of ceil(log2(nprobe)) steps; the id is
// ids[first + column - start] when column - start < the list's length, else -1 (no list holds the column).
// Workgroups of 64 outputs of one query, wpq = ceil(k / 64) per query: the query is the workgroup's (no
// per-invocation division, which a CPU adapter runs lane by lane).
#include "lib/grid.wgsl"
struct Params { nq: u32, nprobe: u32, nlist: u32, k: u32, q0: u32, wpq: u32, _p1: u32, _p2: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> order: array<vec4<u32>>; // adc_cols's: chunk's nq x nprobe
@group(0) @binding(2) var<storage, read> ids: array<i32>;
@group(0) @binding(3) var<storage, read_write> outIds: array<i32>;

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let wg = grid_group(grid);
  let ql = wg / params.wpq;
  let e = (wg - ql * params.wpq) * 64u + lid; // the output within query ql's k
  if (ql >= params.nq || e >= params.k || params.nprobe == 0u) { return; }
  let at = (params.q0 + ql) * params.k + e;
  let col = outIds[at];
  if (col < 0) { return; }
  let c = u32(col);
  let b = ql * params.nprobe;
  // the last r in [lo, lo + n) with order[b + r].x <= c (order[b].x = 0 <= c)
  var lo = 0u;
  var n = params.nprobe;
  while (n > 1u) {
    let half = n / 2u;
    lo = select(lo, lo + half, order[b + lo + half].x <= c);
    n -= half;
  }
  let o = order[b + lo];
  var id = -1;
  if (c - o.x < o.z) { id = ids[o.y + c - o.x]; }
  outIds[at] = id;
}
