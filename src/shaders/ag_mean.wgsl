// Autograd: out[0] = scale * sum_i x[i] (one workgroup; lanes stride over x, then a tree in workgroup memory).
struct Params { n: u32, scale: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < params.n; i += 256u) { s += x[i]; }
  red[lid] = s;
  workgroupBarrier();
  for (var off = 128u; off > 0u; off = off / 2u) {
    if (lid < off) { red[lid] = red[lid] + red[lid + off]; }
    workgroupBarrier();
  }
  if (lid == 0u) { out[0] = params.scale * red[0]; }
}
