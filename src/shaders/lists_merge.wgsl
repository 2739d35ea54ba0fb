// Merges the top-k of a search over inverted lists held in several segments (src/index/inverted-lists.ts). Input
// row (s, q) at element s * stride + q * k holds segment s's k best for query q with their positions in the
// segment (0xffffffff: padding); starts[s] + position is the global position. Each row is sorted best-first by
// (key, global position) as lib/select.wgsl ranks them (tk_key, ties to the lower position; padding ranks after
// everything real). Every real candidate's rank in the merged row is its rank in its own row plus the
// number of better candidates in the other segments' rows (binary search, the rows being sorted); ranks below k
// are written to out row q with their global positions. Global positions are distinct, so the ranks are too. The caller fills the
// output with padding first (rows with fewer than k real candidates keep it).
#include "lib/grid.wgsl"
#include "lib/tk_key.wgsl"
struct Params { rows: u32, k: u32, segs: u32, stride: u32, largest: u32, _p0: u32, _p1: u32, _p2: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> inScores: array<f32>;
@group(0) @binding(2) var<storage, read> inPos: array<u32>;
@group(0) @binding(3) var<storage, read> starts: array<u32>;
@group(0) @binding(4) var<storage, read_write> outScores: array<f32>;
@group(0) @binding(5) var<storage, read_write> outPos: array<u32>;

const NONE: u32 = 0xffffffffu;

fn key_at(i: u32) -> u32 {
  if (inPos[i] == NONE) { return 0u; }
  return tk_key(inScores[i], params.largest != 0u);
}

/** The global position of input element i of segment s (padding stays NONE). */
fn pos_at(i: u32, s: u32) -> u32 {
  let p = inPos[i];
  return select(starts[s] + p, NONE, p == NONE);
}

/** (ak, ap) ranks before (bk, bp). */
fn before(ak: u32, ap: u32, bk: u32, bp: u32) -> bool {
  return ak > bk || (ak == bk && ap < bp);
}

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let k = params.k;
  let i = grid_item(grid, lid, 64u);
  if (i >= params.segs * params.rows * k) { return; }
  let j = i % k;
  let q = (i / k) % params.rows;
  let s = i / (k * params.rows);
  let at = s * params.stride + q * k + j;
  if (inPos[at] == NONE) { return; }
  let pos = pos_at(at, s);
  let key = key_at(at);
  var rank = j;
  for (var o = 0u; o < params.segs; o++) {
    if (o == s) { continue; }
    let row = o * params.stride + q * k;
    var lo = 0u;
    var hi = k; // the first index of row o that does not rank before the candidate
    while (lo < hi) {
      let mid = (lo + hi) / 2u;
      if (before(key_at(row + mid), pos_at(row + mid, o), key, pos)) { lo = mid + 1u; } else { hi = mid; }
    }
    rank += lo;
    if (rank >= k) { return; }
  }
  outScores[q * k + rank] = inScores[at];
  outPos[q * k + rank] = pos;
}
