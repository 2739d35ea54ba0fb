// Packs per-sub-space PQ codes (u32, one code per element: n x m, or m x n when gmajor is 1) into Faiss's byte
// layout, held in u32 words:
// word w of vector i holds code bytes 4w..4w+3 (little-endian). 8 bits: byte j = code j. 4 bits: code j sits in
// bits 4j..4j+3 of the byte stream (low nibble first), as Faiss's PQEncoderGeneric writes it. Bytes past the
// code size are zero. One invocation per output word.
#include "lib/grid.wgsl"
struct Params { n: u32, m: u32, bits: u32, words: u32, gmajor: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> codes: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

@compute @workgroup_size(256)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let t = grid_item(grid, lid, 256u);
  if (t >= params.n * params.words) { return; }
  let i = t / params.words;
  let w = t - i * params.words;
  let per = 32u / params.bits; // codes per word
  let mask = (1u << params.bits) - 1u;
  var v = 0u;
  for (var s = 0u; s < per; s++) {
    let j = w * per + s;
    if (j < params.m) { v |= (codes[select(i * params.m + j, j * params.n + i, params.gmajor == 1u)] & mask) << (s * params.bits); }
  }
  out[t] = v;
}
