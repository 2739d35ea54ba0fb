// Top-K per row, one workgroup per (row, chunk of columns), with the streaming selection of lib/select.wgsl.
// Input: either f32 values (rows x n, row-major; the position of an element is its column) or candidate
// pairs (keys and positions, rows x n, as written by an earlier pass of this kernel). Output: either pairs
// (rows x nchunks x K, the chunk's best K sorted best-first, padded) for a later merge pass, or the final
// result: values (f32 bits) and indices (i32: the column, indexMap[column] when hasMap, -1 for padding).
// With hasRowLen, row r holds only its first rowLen[r] values.
// A chunk is selected in rounds (rounds != 0: tk_round, tk_offer, tk_finish) or in barrier-free scans
// (tk_prefilter when pre > 0, then tk_hold4 / tk_rescan), where each invocation reads four columns per step:
// with vec4 (rows start on 16-byte boundaries: n % 4 == 0) four neighbours through the vec4 views of the
// inputs, else four columns WG apart.
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
  vec4: u32,       // read through inKeys4 / inPos4 (n % 4 == 0)
  pre: u32,        // > 0 (and K <= WG * 4): first scan columns [begin, begin + pre) for a threshold (tk_prefilter)
  rounds: u32,     // select in rounds of WG * PER offers (tk_round: cheaper for short chunks) instead of scans
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inKeys: array<u32>;
@group(0) @binding(2) var<storage, read> inPos: array<u32>;
@group(0) @binding(3) var<storage, read> indexMap: array<i32>;
@group(0) @binding(4) var<storage, read_write> outA: array<u32>;
@group(0) @binding(5) var<storage, read_write> outB: array<u32>;
@group(0) @binding(6) var<storage, read> rowLen: array<u32>;
@group(0) @binding(7) var<storage, read> inKeys4: array<vec4<u32>>; // inKeys / inPos as vec4 (with vec4)
@group(0) @binding(8) var<storage, read> inPos4: array<vec4<u32>>;

struct Cands { keys: vec4<u32>, pos: vec4<u32>, live: vec4<bool> }

/** The candidates of one invocation's step at column c (of columns < end): c..c+3 (vec4) or c + j * WG. */
fn load4(rowBase: u32, c: u32, end: u32, largest: bool) -> Cands {
  let pairs = params.inPairs != 0u;
  var cols = vec4<u32>(c) + vec4<u32>(0u, 1u, 2u, 3u);
  var raw: vec4<u32>;
  var pos: vec4<u32>;
  if (params.vec4 != 0u) {
    let i4 = (rowBase + c) >> 2u;
    raw = inKeys4[i4];
    if (pairs) { pos = inPos4[i4]; }
  } else {
    cols = vec4<u32>(c) + vec4<u32>(0u, 1u, 2u, 3u) * WG;
    for (var j = 0u; j < 4u; j++) {
      let i = rowBase + min(cols[j], end - 1u);
      raw[j] = inKeys[i];
      if (pairs) { pos[j] = inPos[i]; }
    }
  }
  if (!pairs) { return Cands(tk_key4(bitcast<vec4<f32>>(raw), largest), cols, cols < vec4<u32>(end)); }
  return Cands(raw, pos, cols < vec4<u32>(end));
}

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
  var kept = 0u;
  if (params.rounds != 0u) {
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
    kept = tk_finish(lid);
  } else {
    let step = WG * 4u;
    // this invocation's first columns (see load4)
    let first = begin + select(lid, lid * 4u, params.vec4 != 0u);
    if (params.pre != 0u) {
      let preEnd = min(end, begin + params.pre);
      var best = vec4<u32>(0u);
      for (var c = first; c < preEnd; c += step) {
        let cd = load4(rowBase, c, preEnd, largest);
        best = max(best, select(vec4<u32>(0u), cd.keys, cd.live));
      }
      tk_prefilter(lid, best);
    }
    tk_scan_init(lid);
    var held = TkHeld(vec4<u32>(0u), vec4<u32>(0u), 0u);
    var c = first;
    loop {
      let tk = thrKey;
      let tp = thrPos;
      for (; c < end; c += step) {
        let cd = load4(rowBase, c, end, largest);
        let take = tk_beats4(cd.keys, cd.pos, cd.live, tk, tp);
        if (any(take) && !tk_hold4(&held, cd.keys, cd.pos, take)) { tk_stall(); break; }
      }
      if (!tk_rescan(lid, &held)) { break; }
    }
    kept = tkKept;
  }

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
