// ADC scores of the probed inverted lists, written out for a separate top-k pass (topk_select with row
// lengths). No barriers (on CPU drivers a barrier makes the whole shader markedly slower). One workgroup per
// (query, probe). A query's candidates are laid end to end in a region of `cap` scores, its probed lists in
// increasing list order, so a column's order is its vector's database order (ties in the top-k then go to the
// lower database position); scores as in lib/adc_lists.wgsl. cols[q] = [candidate count, column where probe
// 0's list starts, ... probe nprobe-1].
#include "lib/grid.wgsl"
#include "lib/adc_lists.wgsl"

struct Params { nq: u32, nprobe: u32, nlist: u32, cap: u32, q0: u32, _p0: u32, _p1: u32, _p2: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(7) var<storage, read_write> outScores: array<f32>;
@group(0) @binding(8) var<storage, read_write> cols: array<u32>;

fn list_len(l: i32) -> u32 {
  if (l < 0 || u32(l) >= params.nlist) { return 0u; }
  return listOffsets[l + 1] - listOffsets[l];
}

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let g = grid_group(grid);
  if (g >= params.nq * params.nprobe) { return; }
  let ql = g / params.nprobe;       // query within this chunk
  let p = g % params.nprobe;
  let q = params.q0 + ql;
  let pb = q * params.nprobe;
  let l = probes[pb + p];
  let len = list_len(l);
  // column of this list: the lengths of the query's probes with a lower list id (or the same id, earlier)
  var off = 0u;
  var total = 0u;
  for (var i = 0u; i < params.nprobe; i++) {
    let li = probes[pb + i];
    let n = list_len(li);
    total += n;
    if (li < l || (li == l && i < p)) { off += n; }
  }
  if (lid == 0u) {
    cols[ql * (params.nprobe + 1u) + 1u + p] = off;
    if (p == 0u) { cols[ql * (params.nprobe + 1u)] = min(total, params.cap); }
  }
  if (len == 0u) { return; }
  let region = ql * params.cap;
  let ksub = 1u << BITS;
  let cpw = 32u / BITS;
  let wpv = ((M * BITS + 7u) / 8u + 3u) / 4u;
  let lutBase = q * M * ksub;
  let start = listOffsets[l];
  let termBase = u32(l) * M * ksub;
  let c0 = coarse[pb + p];
  let lim = min(len, params.cap - min(off, params.cap));
  for (var i = lid; i < lim; i += 64u) {
    let base = (start + i) * wpv;
    var s = c0;
    for (var w = 0u; w < wpv; w++) {
      let word = codes[base + w];
      var ws = 0.0; // one partial sum per code word: independent chains, so the table loads overlap
      for (var t = 0u; t < cpw; t++) {
        let j = w * cpw + t;
        if (j < M) {
          ws += adc_term(lutBase, termBase, j * ksub + ((word >> (t * BITS)) & (ksub - 1u)));
        }
      }
      s += ws;
    }
    outScores[region + off + i] = s;
  }
}
