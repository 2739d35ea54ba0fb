// Autograd softmax / logSoftmax backward, per row of `len`, given the forward output y and upstream g:
// mode 0 (y = softmax):    dx = y * (g - sum(g * y)) / tau
// mode 1 (y = logSoftmax): dx = (g - exp(y) * sum(g)) / tau
// Also the backward of straightThroughAssign (mode 0 with y = the soft assignment p).
struct Params { rows: u32, len: u32, invTau: f32, mode: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

var<workgroup> red: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= params.rows) { return; }
  let base = row * params.len;
  var s = 0.0;
  for (var j = lid; j < params.len; j += 64u) {
    if (params.mode == 0u) { s += g[base + j] * y[base + j]; } else { s += g[base + j]; }
  }
  red[lid] = s;
  workgroupBarrier();
  for (var off = 32u; off > 0u; off = off / 2u) {
    if (lid < off) { red[lid] = red[lid] + red[lid + off]; }
    workgroupBarrier();
  }
  let tot = red[0];
  for (var j = lid; j < params.len; j += 64u) {
    let gy = g[base + j];
    let yy = y[base + j];
    if (params.mode == 0u) { dx[base + j] = yy * (gy - tot) * params.invTau; }
    else { dx[base + j] = (gy - exp(yy) * tot) * params.invTau; }
  }
}
