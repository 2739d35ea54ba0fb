// The candidate layout of the two-pass ADC scan (adc_score, topk_select, adc_ids), once per (query, probe):
// a query's candidates are its probed lists laid end to end in increasing list order (equal list ids in probe
// order), so a column's order is its vector's database order. cols[q] = [candidate count (at most cap),
// column where probe 0's list starts, ... probe nprobe-1]. order[q] = the probes in that layout order (rank r =
// the number of probes laid before it): order[q][r] = (column where its list starts, the list's first database
// position, the list's length (0 for a skipped probe), 0), so order[q][r].x is non-decreasing in r (adc_ids
// finds a column's list by binary search).
#include "lib/grid.wgsl"

struct Params { nq: u32, nprobe: u32, nlist: u32, cap: u32, q0: u32, _p0: u32, _p1: u32, _p2: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> probes: array<i32>;       // nq x nprobe, -1 = skip
@group(0) @binding(2) var<storage, read> listOffsets: array<u32>;  // nlist + 1
@group(0) @binding(3) var<storage, read_write> cols: array<u32>;   // chunk's nq x (nprobe + 1)
@group(0) @binding(4) var<storage, read_write> order: array<vec4<u32>>; // chunk's nq x nprobe

fn list_len(l: i32) -> u32 {
  if (l < 0 || u32(l) >= params.nlist) { return 0u; }
  return listOffsets[l + 1] - listOffsets[l];
}

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let g = grid_item(grid, lid, 64u);
  if (g >= params.nq * params.nprobe) { return; }
  let ql = g / params.nprobe;
  let p = g % params.nprobe;
  let pb = (params.q0 + ql) * params.nprobe;
  let l = probes[pb + p];
  var off = 0u;
  var rank = 0u;
  var total = 0u;
  for (var i = 0u; i < params.nprobe; i++) {
    let li = probes[pb + i];
    let n = list_len(li);
    total += n;
    if (li < l || (li == l && i < p)) { off += n; rank++; }
  }
  cols[ql * (params.nprobe + 1u) + 1u + p] = off;
  var st = 0u;
  if (l >= 0 && u32(l) < params.nlist) { st = listOffsets[l]; }
  order[ql * params.nprobe + rank] = vec4<u32>(off, st, list_len(l), 0u);
  if (p == 0u) { cols[ql * (params.nprobe + 1u)] = min(total, params.cap); }
}
