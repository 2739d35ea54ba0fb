// topk's 'rank' kernel: the k best of each row of n <= 1024 values (e.g. the coarse step's nprobe nearest lists), by
// rank: one workgroup per row loads the row's keys (tk_key) into workgroup memory and each column's rank is the
// number of columns that beat it (four columns per invocation against four keys per load) (a larger key, or an equal key at a lower column). Ranks are distinct, so
// column c with rank r < k is written to place r: values (the key's f32 bits, as the top-k kernels write them)
// and indices (the column), best first; places n .. k-1 are padded (-Infinity / +Infinity, -1). The same output,
// bit for bit, as topk (kernels/topk.ts) on the row, at a fixed cost of n^2 comparisons per row instead of its
// per-row selection rounds.
#include "lib/grid.wgsl"
#include "lib/tk_key.wgsl"

struct Params { rows: u32, n: u32, k: u32, largest: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> scores: array<f32>;          // rows x n
@group(0) @binding(2) var<storage, read_write> outValues: array<u32>; // rows x k, f32 bits
@group(0) @binding(3) var<storage, read_write> outIdx: array<i32>;    // rows x k

var<workgroup> keys4: array<vec4<u32>, 256>; // the row's keys, four to a word; 0 (beats nothing) past n

/** How many of the four keys kj (columns j4 .. j4 + 3) beat key kc of column c. */
fn beats(kj: vec4<u32>, j4: u32, kc: u32, c: u32) -> vec4<u32> {
  let j = vec4<u32>(j4) + vec4<u32>(0u, 1u, 2u, 3u);
  return select(vec4<u32>(0u), vec4<u32>(1u), (kj > vec4<u32>(kc)) | ((kj == vec4<u32>(kc)) & (j < vec4<u32>(c))));
}

/** Writes column c (key kc) at place `rank` of the row when it is among the best k. */
fn place(row: u32, c: u32, kc: u32, rank: vec4<u32>, largest: bool) {
  let r = rank.x + rank.y + rank.z + rank.w;
  if (c < params.n && r < params.k) {
    outValues[row * params.k + r] = tk_value_bits(kc, largest);
    outIdx[row * params.k + r] = i32(c);
  }
}

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let row = grid_group(grid);
  if (row >= params.rows) { return; }
  let n = params.n;
  let largest = params.largest != 0u;
  let n4 = (n + 3u) / 4u;
  for (var w = lid; w < n4; w += 64u) {
    var k4 = vec4<u32>(0u);
    for (var i = 0u; i < 4u; i++) { if (w * 4u + i < n) { k4[i] = tk_key(scores[row * n + w * 4u + i], largest); } }
    keys4[w] = k4;
  }
  workgroupBarrier();
  // four columns per invocation at a time (lid + 64 i), each load of four keys compared with all four
  for (var c0 = lid; c0 < n; c0 += 256u) {
    let c = vec4<u32>(c0) + vec4<u32>(0u, 64u, 128u, 192u);
    var kc = vec4<u32>(0u);
    for (var i = 0u; i < 4u; i++) { if (c[i] < n) { kc[i] = keys4[c[i] >> 2u][c[i] & 3u]; } }
    var r0 = vec4<u32>(0u);
    var r1 = vec4<u32>(0u);
    var r2 = vec4<u32>(0u);
    var r3 = vec4<u32>(0u);
    for (var w = 0u; w < n4; w++) {
      let kj = keys4[w];
      r0 += beats(kj, w * 4u, kc.x, c.x);
      r1 += beats(kj, w * 4u, kc.y, c.y);
      r2 += beats(kj, w * 4u, kc.z, c.z);
      r3 += beats(kj, w * 4u, kc.w, c.w);
    }
    place(row, c.x, kc.x, r0, largest);
    place(row, c.y, kc.y, r1, largest);
    place(row, c.z, kc.z, r2, largest);
    place(row, c.w, kc.w, r3, largest);
  }
  for (var r = n + lid; r < params.k; r += 64u) {
    outValues[row * params.k + r] = select(0x7f800000u, 0xff800000u, largest);
    outIdx[row * params.k + r] = -1;
  }
}
