// The k best of each row of candidate pairs (tk_key keys and positions, as adc_score4_cut writes them: row r holds
// its first min(rowLen[2r], n) entries of n, and rowLen[2r + 1] is a key at or below the row's k-th best, or 0), by
// rank, one workgroup per row. The entries at or above that bound (all of the best k, ties included) are gathered
// into workgroup memory (at most 1024; a row with more is ranked whole, block by block), and an entry's rank is the
// number of those that beat it (tk_better: a larger key, or an equal key at a lower position; positions within a row
// are distinct, so ranks are too); an entry of rank r < k is written to place r of output row outRow0 + row: values
// (the key's score bits, tk_value_bits) and indices (the position), best first; places past the row's entries are
// padded (-Infinity / +Infinity, -1). The same output, bit for bit, as topk_select on the same rows (kernels/topk.ts).
#include "lib/grid.wgsl"
#include "lib/tk_key.wgsl"

struct Params { rows: u32, n: u32, k: u32, largest: u32, outRow0: u32, _p0: u32, _p1: u32, _p2: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inKeys: array<u32>;          // rows x n
@group(0) @binding(2) var<storage, read> inPos: array<u32>;           // rows x n
@group(0) @binding(3) var<storage, read> rowLen: array<u32>;          // rows x 2: length, bound
@group(0) @binding(4) var<storage, read_write> outValues: array<u32>; // (outRow0 + rows) x k, f32 bits
@group(0) @binding(5) var<storage, read_write> outIdx: array<i32>;    // as outValues

var<workgroup> bkey4: array<vec4<u32>, 256>; // entries (the gathered ones, or a block of the row), four to a word
var<workgroup> bpos4: array<vec4<u32>, 256>; // their positions; (0, 0xffffffff) pads, and beats no entry
var<workgroup> gathered: atomic<u32>;
var<workgroup> wlen: u32;
var<workgroup> wbound: u32;
var<workgroup> wcount: u32;

/** How many of the four entries (kj, pj) beat entry (kc, pc). */
fn beats(kj: vec4<u32>, pj: vec4<u32>, kc: u32, pc: u32) -> vec4<u32> {
  return select(vec4<u32>(0u), vec4<u32>(1u), (kj > vec4<u32>(kc)) | ((kj == vec4<u32>(kc)) & (pj < vec4<u32>(pc))));
}

/** Writes entry (kc, pc) at place `rank` of output row o when it is among the best k. */
fn place(o: u32, kc: u32, pc: u32, rank: vec4<u32>, largest: bool) {
  let r = rank.x + rank.y + rank.z + rank.w;
  if (r < params.k) {
    outValues[o + r] = tk_value_bits(kc, largest);
    outIdx[o + r] = i32(pc);
  }
}

/** The rank of (kc, pc) among the words [0, n4) of the workgroup's entries. */
fn rank_in(kc: u32, pc: u32, n4: u32) -> vec4<u32> {
  var r = vec4<u32>(0u);
  for (var w = 0u; w < n4; w++) { r += beats(bkey4[w], bpos4[w], kc, pc); }
  return r;
}

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let row = grid_group(grid); // one workgroup per row
  if (params.rows <= row) { return; }
  if (lid == 0u) {
    wlen = min(rowLen[2u * row], params.n);
    wbound = rowLen[2u * row + 1u];
    atomicStore(&gathered, 0u);
  }
  let len = workgroupUniformLoad(&wlen);
  let bound = wbound;
  let base = row * params.n;
  let largest = params.largest != 0u;
  let o = (params.outRow0 + row) * params.k;
  for (var w = lid; w < 256u; w += 64u) { bkey4[w] = vec4<u32>(0u); bpos4[w] = vec4<u32>(0xffffffffu); }
  workgroupBarrier();
  for (var c = lid; c < len; c += 64u) {
    let key = inKeys[base + c];
    if (key >= bound) {
      let s = atomicAdd(&gathered, 1u);
      if (s < 1024u) { bkey4[s >> 2u][s & 3u] = key; bpos4[s >> 2u][s & 3u] = inPos[base + c]; }
    }
  }
  workgroupBarrier();
  if (lid == 0u) { wcount = atomicLoad(&gathered); }
  let count = workgroupUniformLoad(&wcount);
  if (count <= 1024u) {
    let n4 = (count + 3u) / 4u;
    for (var i = lid; i < count; i += 64u) {
      let kc = bkey4[i >> 2u][i & 3u];
      let pc = bpos4[i >> 2u][i & 3u];
      place(o, kc, pc, rank_in(kc, pc, n4), largest);
    }
  } else {
    // more than 1024 at or above the bound: every entry ranked against the whole row, a block of 1024 at a time
    for (var c0 = 0u; c0 < len; c0 += 64u) {
      let c = c0 + lid;
      var kc = 0u;
      var pc = 0xffffffffu;
      if (c < len) { kc = inKeys[base + c]; pc = inPos[base + c]; }
      var r = vec4<u32>(0u);
      for (var b0 = 0u; b0 < len; b0 += 1024u) {
        let n4 = (min(1024u, len - b0) + 3u) / 4u;
        workgroupBarrier(); // the previous words are read
        for (var w = lid; w < n4; w += 64u) {
          var k4 = vec4<u32>(0u);
          var p4 = vec4<u32>(0xffffffffu);
          for (var i = 0u; i < 4u; i++) {
            let j = b0 + w * 4u + i;
            if (j < len) { k4[i] = inKeys[base + j]; p4[i] = inPos[base + j]; }
          }
          bkey4[w] = k4;
          bpos4[w] = p4;
        }
        workgroupBarrier();
        r += rank_in(kc, pc, n4);
      }
      if (c < len) { place(o, kc, pc, r, largest); }
    }
  }
  for (var r = min(len, count) + lid; r < params.k; r += 64u) {
    outValues[o + r] = select(0x7f800000u, 0xff800000u, largest);
    outIdx[o + r] = -1;
  }
}
