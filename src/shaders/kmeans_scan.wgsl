// k-means member lists: per-group exclusive prefix sums of u32 counts. One workgroup per group g turns
// count[g*len .. g*len+len) into offsets[g*len + e] = g*rows + (the counts before e). Used for where each
// cluster's members start (len = k) and for the counts of a radix pass (len = buckets * tiles, kmeans_rank).
struct Params { rows: u32, len: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> count: array<u32>;
@group(0) @binding(2) var<storage, read_write> offsets: array<u32>;

var<workgroup> part: array<u32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x;
  let len = params.len;
  let per = (len + 255u) / 256u;
  let a = min(lid * per, len);
  let b = min(a + per, len);
  var s = 0u;
  for (var e = a; e < b; e++) { s += count[g * len + e]; }
  part[lid] = s;
  workgroupBarrier();
  // Hillis-Steele inclusive scan of the 256 partial sums
  for (var off = 1u; off < 256u; off *= 2u) {
    var v = part[lid];
    if (lid >= off) { v += part[lid - off]; }
    workgroupBarrier();
    part[lid] = v;
    workgroupBarrier();
  }
  var run = g * params.rows + part[lid] - s;
  for (var e = a; e < b; e++) {
    offsets[g * len + e] = run;
    run += count[g * len + e];
  }
}
