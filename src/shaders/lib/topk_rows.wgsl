// Module: the inputs and outputs of the row top-K kernels (topk_select, topk_stream), one workgroup per (row,
// chunk of columns). Input: either f32 values (rows x n, row-major; the position of an element is its column)
// or candidate pairs (keys and positions, rows x n, as written by an earlier pass). Output: either pairs (rows x
// nchunks x K, the chunk's best K sorted best-first, padded) for a later merge pass, or the final result: values
// (f32 bits) and indices (i32: the column, indexMap[column] when hasMap, -1 for padding). With hasRowLen, row r
// holds only its first rowLen[r] values. Needs lib/select.wgsl (K, WG, the kept candidates ckey/cpos).
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
  pre: u32,        // topk_select: > 0 (and K <= WG * 4): first scan columns [begin, begin + pre) for a threshold
  rounds: u32,     // topk_select: select in rounds of WG * PER offers (tk_round) instead of scans
  sample: u32,     // topk_stream: the sample is every sample-th step of WG * 4 columns
  passTarget: u32, // topk_stream: how many values should pass the start threshold (data without order)
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

/** The columns [begin, end) of one row that workgroup g selects from; its elements start at rowBase. */
struct RowPart { row: u32, begin: u32, end: u32, rowBase: u32 }

fn row_part(g: u32) -> RowPart {
  let row = g / params.nchunks;
  let begin = (g % params.nchunks) * params.chunk;
  var rowEnd = params.n;
  if (params.hasRowLen != 0u) { rowEnd = min(rowEnd, rowLen[(params.inRow0 + row) * params.rowLenStride]); }
  return RowPart(row, begin, min(rowEnd, begin + params.chunk), (params.inRow0 + row) * params.n);
}

/** The first column of invocation lid's steps (see load4): each step covers WG * 4 columns. */
fn first_col(begin: u32, lid: u32) -> u32 { return begin + select(lid, lid * 4u, params.vec4 != 0u); }

struct Cands { keys: vec4<u32>, pos: vec4<u32>, live: vec4<bool> }

/** The raw words of one invocation's step at column c (of columns < end): c..c+3 (vec4) or c + j * WG. */
fn load_raw4(rowBase: u32, c: u32, end: u32) -> vec4<u32> {
  if (params.vec4 != 0u) { return inKeys4[(rowBase + c) >> 2u]; }
  var raw: vec4<u32>;
  for (var j = 0u; j < 4u; j++) { raw[j] = inKeys[rowBase + min(c + j * WG, end - 1u)]; }
  return raw;
}

/** The columns of the step at c (see load_raw4). */
fn step_cols(c: u32) -> vec4<u32> {
  return vec4<u32>(c) + select(vec4<u32>(0u, 1u, 2u, 3u) * WG, vec4<u32>(0u, 1u, 2u, 3u), params.vec4 != 0u);
}

/** The candidates of the f32 values `raw` of the step at c. */
fn cands_of(raw: vec4<u32>, c: u32, end: u32, largest: bool) -> Cands {
  let cols = step_cols(c);
  return Cands(tk_key4(bitcast<vec4<f32>>(raw), largest), cols, cols < vec4<u32>(end));
}

/** The candidates of one invocation's step at column c (of columns < end). */
fn load4(rowBase: u32, c: u32, end: u32, largest: bool) -> Cands {
  let raw = load_raw4(rowBase, c, end);
  if (params.inPairs == 0u) { return cands_of(raw, c, end, largest); }
  let cols = step_cols(c);
  var pos: vec4<u32>;
  if (params.vec4 != 0u) {
    pos = inPos4[(rowBase + c) >> 2u];
  } else {
    for (var j = 0u; j < 4u; j++) { pos[j] = inPos[rowBase + min(cols[j], end - 1u)]; }
  }
  return Cands(raw, pos, cols < vec4<u32>(end));
}

/** Writes the candidate (key, pos) of rank i (padding when pos is TK_NONE) of workgroup g, row `row`. */
fn write_rank(g: u32, row: u32, i: u32, key: u32, pos: u32, largest: bool) {
  if (params.outFinal != 0u) {
    let o = (params.outRow0 + row) * K;
    var v = select(0x7f800000u, 0xff800000u, largest);
    var idx = -1;
    if (pos != TK_NONE) {
      v = tk_value_bits(key, largest);
      idx = i32(pos);
      if (params.hasMap != 0u) { idx = indexMap[pos]; }
    }
    outA[o + i] = v;
    outB[o + i] = bitcast<u32>(idx);
  } else {
    outA[g * K + i] = select(key, 0u, pos == TK_NONE);
    outB[g * K + i] = pos;
  }
}

/** Writes the kept best (ckey/cpos[0..kept), sorted best-first) of workgroup g, row `row`, padded to K. */
fn write_out(g: u32, row: u32, kept: u32, largest: bool, lid: u32) {
  for (var i = lid; i < K; i += WG) {
    if (i < kept) { write_rank(g, row, i, ckey_get(i), cpos[i], largest); } else { write_rank(g, row, i, 0u, TK_NONE, largest); }
  }
}
