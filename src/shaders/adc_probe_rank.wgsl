// The coarse step's selection: the k best of each row of n <= 1024 list scores (the nprobe nearest lists), by
// rank: one workgroup per row loads the row's keys (tk_key) into workgroup memory and each column's rank is the
// number of columns that beat it (a larger key, or an equal key at a lower column). Ranks are distinct, so
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

var<workgroup> keys: array<u32, 1024>;

/** The score whose tk_key is o (NaN for the key 0; +0 for -0): the inverse of tk_key up to those. */
fn key_value_bits(o: u32, largest: bool) -> u32 {
  if (o == 0u) { return 0x7fc00000u; }
  let x = select(~o, o, largest);
  return select(~x, x & 0x7fffffffu, (x & 0x80000000u) != 0u);
}

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let row = grid_group(grid);
  if (row >= params.rows) { return; }
  let n = params.n;
  let largest = params.largest != 0u;
  for (var c = lid; c < n; c += 64u) { keys[c] = tk_key(scores[row * n + c], largest); }
  workgroupBarrier();
  for (var c = lid; c < n; c += 64u) {
    let kc = keys[c];
    var rank = 0u;
    for (var j = 0u; j < n; j++) {
      let kj = keys[j];
      rank += select(0u, 1u, kj > kc || (kj == kc && j < c));
    }
    if (rank < params.k) {
      outValues[row * params.k + rank] = key_value_bits(kc, largest);
      outIdx[row * params.k + rank] = i32(c);
    }
  }
  for (var r = n + lid; r < params.k; r += 64u) {
    outValues[row * params.k + r] = select(0x7f800000u, 0xff800000u, largest);
    outIdx[row * params.k + r] = -1;
  }
}
