// k-means objective: 64 workgroups each add a strided share of score[0..n) into obj[wid] (accumulated over the
// chunks of an iteration; the host adds the 64 partial sums in float64).
struct Params { n: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> score: array<f32>;
@group(0) @binding(2) var<storage, read_write> obj: array<f32>;

var<workgroup> part: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  let stride = nwg.x * 256u;
  for (var t = wid.x * 256u + lid; t < params.n; t += stride) { s += score[t]; }
  part[lid] = s;
  workgroupBarrier();
  for (var off = 128u; off > 0u; off /= 2u) {
    if (lid < off) { part[lid] += part[lid + off]; }
    workgroupBarrier();
  }
  if (lid == 0u) { obj[wid.x] += part[0]; }
}
