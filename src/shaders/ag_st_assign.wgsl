// Autograd straightThroughAssign forward, per row of `len` logits: onehot[j] = 1 at the first argmax, else 0,
// and the soft assignment p = softmax(logits / tau), kept for the backward pass (which is the softmax's).
struct Params { rows: u32, len: u32, invTau: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> onehot: array<f32>;
@group(0) @binding(3) var<storage, read_write> p: array<f32>;

var<workgroup> rv: array<f32, 64>;
var<workgroup> ri: array<u32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= params.rows) { return; }
  let base = row * params.len;
  var mx = -3.4e38;
  var mi = 0xffffffffu;
  for (var j = lid; j < params.len; j += 64u) {
    let v = x[base + j];
    if (v > mx || mi == 0xffffffffu) { mx = v; mi = j; }
  }
  rv[lid] = mx;
  ri[lid] = mi;
  workgroupBarrier();
  for (var off = 32u; off > 0u; off = off / 2u) {
    if (lid < off) {
      let ov = rv[lid + off];
      let oi = ri[lid + off];
      if (oi != 0xffffffffu && (ri[lid] == 0xffffffffu || ov > rv[lid] || (ov == rv[lid] && oi < ri[lid]))) { rv[lid] = ov; ri[lid] = oi; }
    }
    workgroupBarrier();
  }
  let best = ri[0];
  let m = rv[0] * params.invTau;
  workgroupBarrier();
  var s = 0.0;
  for (var j = lid; j < params.len; j += 64u) { s += exp(x[base + j] * params.invTau - m); }
  rv[lid] = s;
  workgroupBarrier();
  for (var off = 32u; off > 0u; off = off / 2u) {
    if (lid < off) { rv[lid] = rv[lid] + rv[lid + off]; }
    workgroupBarrier();
  }
  let tot = rv[0];
  for (var j = lid; j < params.len; j += 64u) {
    p[base + j] = exp(x[base + j] * params.invTau - m) / tot;
    onehot[base + j] = select(0.0, 1.0, j == best);
  }
}
