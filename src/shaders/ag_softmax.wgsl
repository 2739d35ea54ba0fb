// Autograd softmax / logSoftmax over the last axis with a temperature: for each row of `len` values,
// mode 0: y = softmax(x / tau), mode 1: y = x / tau - logsumexp(x / tau). One workgroup of 64 lanes per row;
// lanes stride over the row (coalesced) and reduce max and sum in workgroup memory.
struct Params { rows: u32, len: u32, invTau: f32, mode: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

var<workgroup> red: array<f32, 64>;

fn reduceMax(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var off = 32u; off > 0u; off = off / 2u) {
    if (lid < off) { red[lid] = max(red[lid], red[lid + off]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

fn reduceSum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var off = 32u; off > 0u; off = off / 2u) {
    if (lid < off) { red[lid] = red[lid] + red[lid + off]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= params.rows) { return; }
  let base = row * params.len;
  var mx = -3.4e38;
  for (var j = lid; j < params.len; j += 64u) { mx = max(mx, x[base + j] * params.invTau); }
  mx = reduceMax(mx, lid);
  var s = 0.0;
  for (var j = lid; j < params.len; j += 64u) { s += exp(x[base + j] * params.invTau - mx); }
  s = reduceSum(s, lid);
  let ls = log(s);
  for (var j = lid; j < params.len; j += 64u) {
    let z = x[base + j] * params.invTau - mx;
    if (params.mode == 0u) { y[base + j] = exp(z) / s; } else { y[base + j] = z - ls; }
  }
}
