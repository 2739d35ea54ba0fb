// k-means update, step 2 of 4: where each cluster's members go. One workgroup per group g computes the exclusive
// prefix sum of count[g*k .. g*k+k) and writes offsets[g*k + c] = g*rows + (members of clusters < c) into both
// `offsets` (kept for the sum step) and `cursor` (advanced by the scatter step).
struct Params { rows: u32, k: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> count: array<u32>;
@group(0) @binding(2) var<storage, read_write> offsets: array<u32>;
@group(0) @binding(3) var<storage, read_write> cursor: array<u32>;

var<workgroup> part: array<u32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x;
  let k = params.k;
  let per = (k + 255u) / 256u;
  let a = min(lid * per, k);
  let b = min(a + per, k);
  var s = 0u;
  for (var c = a; c < b; c++) { s += count[g * k + c]; }
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
  for (var c = a; c < b; c++) {
    offsets[g * k + c] = run;
    cursor[g * k + c] = run;
    run += count[g * k + c];
  }
}
