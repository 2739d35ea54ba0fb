// Autograd: exclusive prefix sum of u32 counts, out[0..n] with out[n] = total. One workgroup walks the array
// in tiles of 256 (coalesced loads), scanning each tile in workgroup memory and carrying the running total.
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> cnt: array<u32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

var<workgroup> tile: array<u32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var carry = 0u;
  let tiles = (params.n + 255u) / 256u;
  for (var t = 0u; t < tiles; t++) {
    let i = t * 256u + lid;
    var v = 0u;
    if (i < params.n) { v = cnt[i]; }
    tile[lid] = v;
    workgroupBarrier();
    for (var off = 1u; off < 256u; off = off * 2u) {
      var add = 0u;
      if (lid >= off) { add = tile[lid - off]; }
      workgroupBarrier();
      tile[lid] = tile[lid] + add;
      workgroupBarrier();
    }
    if (i < params.n) { out[i] = carry + tile[lid] - v; }
    carry = carry + tile[255];
    workgroupBarrier();
  }
  if (lid == 0u) { out[params.n] = carry; }
}
