// Top-K per row, one workgroup per (row, chunk of columns), with the streaming selection of lib/select.wgsl.
// Input: either f32 values (rows x n, row-major; the position of an element is its column) or candidate
// pairs (keys and positions, rows x n, as written by an earlier pass of this kernel). Output: either pairs
// (rows x nchunks x K, the chunk's best K sorted best-first, padded) for a later merge pass, or the final
// result: values (f32 bits) and indices (i32: the column, indexMap[column] when hasMap, -1 for padding).
// With hasRowLen, row r holds only its first rowLen[r] values.
#include "lib/grid.wgsl"
#include "lib/select.wgsl"
struct Params {
  n: u32,          // columns per row
  rows: u32,       // rows in this dispatch
  inRow0: u32,     // first input row
  outRow0: u32,    // first output row (final output only)
  chunk: u32,      // columns per workgroup
  nchunks: u32,
  largest: u32,
  inPairs: u32,
  outFinal: u32,
  hasMap: u32,
  hasRowLen: u32,  // rows are shorter than n: row r has rowLen[(inRow0 + r) * rowLenStride] entries (first pass)
  rowLenStride: u32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inKeys: array<u32>;
@group(0) @binding(2) var<storage, read> inPos: array<u32>;
@group(0) @binding(3) var<storage, read> indexMap: array<i32>;
@group(0) @binding(4) var<storage, read_write> outA: array<u32>;
@group(0) @binding(5) var<storage, read_write> outB: array<u32>;
@group(0) @binding(6) var<storage, read> rowLen: array<u32>;

@compute @workgroup_size(WG)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let g = grid_group(grid);
  if (g >= params.rows * params.nchunks) { return; }
  let row = g / params.nchunks;
  let ch = g % params.nchunks;
  let largest = params.largest != 0u;
  let begin = ch * params.chunk;
  var rowEnd = params.n;
  if (params.hasRowLen != 0u) { rowEnd = min(rowEnd, rowLen[(params.inRow0 + row) * params.rowLenStride]); }
  let end = min(rowEnd, begin + params.chunk);
  let rowBase = (params.inRow0 + row) * params.n;
  tk_init(lid);
  for (var c0 = begin; c0 < end; c0 += WG * PER) {
    tk_round(lid);
    let tk = thrKey;
    let tp = thrPos;
    for (var r = 0u; r < PER; r++) {
      let c = c0 + r * WG + lid;
      if (c < end) {
        if (params.inPairs != 0u) {
          tk_offer(inKeys[rowBase + c], inPos[rowBase + c], tk, tp);
        } else {
          tk_offer(tk_key(bitcast<f32>(inKeys[rowBase + c]), largest), c, tk, tp);
        }
      }
    }
  }
  let kept = tk_finish(lid);
  if (params.outFinal != 0u) {
    let o = (params.outRow0 + row) * K;
    let pad = select(0x7f800000u, 0xff800000u, largest);
    for (var i = lid; i < K; i += WG) {
      var v = pad;
      var idx = -1;
      if (i < kept && cpos[i] != TK_NONE) {
        v = tk_value_bits(ckey_get(i), largest);
        idx = i32(cpos[i]);
        if (params.hasMap != 0u) { idx = indexMap[cpos[i]]; }
      }
      outA[o + i] = v;
      outB[o + i] = bitcast<u32>(idx);
    }
  } else {
    let o = g * K;
    for (var i = lid; i < K; i += WG) {
      var key = 0u;
      var pos = TK_NONE;
      if (i < kept) { key = ckey_get(i); pos = cpos[i]; }
      outA[o + i] = key;
      outB[o + i] = pos;
    }
  }
}
