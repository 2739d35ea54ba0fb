// Autograd straightThroughAssign forward, per row of `len` values x: with z = x * invTau, onehot[j] = 1 at the
// first argmax of z, else 0, and the soft assignment p = softmax(z), kept for the backward pass (which is the
// softmax's). invTau = 1 / tau for logits; invTau = -1 / tau for squared distances (the nearest codeword).
// 64 rows per workgroup: 64 x 32 tiles are loaded coalesced into workgroup memory and each invocation runs
// an online argmax / max / sum-of-exp over its row; then onehot and p are written elementwise (coalesced).
struct Params { rows: u32, len: u32, invTau: f32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> onehot: array<f32>;
@group(0) @binding(3) var<storage, read_write> p: array<f32>;

var<workgroup> tile: array<array<f32, 33>, 64>;
var<workgroup> rowMax: array<f32, 64>;
var<workgroup> rowSum: array<f32, 64>;
var<workgroup> rowArg: array<u32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r0 = (wid.x + wid.y * nwg.x) * 64u;
  if (r0 >= params.rows) { return; }
  let len = params.len;
  var arg = 0xffffffffu;
  var m = -3.4e38;    // max of logits / tau
  var s = 0.0;
  for (var c0 = 0u; c0 < len; c0 += 32u) {
    for (var k = 0u; k < 32u; k++) {
      let e = k * 64u + lid;
      let rr = e / 32u;
      let cc = e % 32u;
      var v = 0.0;
      if (r0 + rr < params.rows && c0 + cc < len) { v = x[(r0 + rr) * len + c0 + cc]; }
      tile[rr][cc] = v;
    }
    workgroupBarrier();
    let cn = min(32u, len - c0);
    for (var cc = 0u; cc < cn; cc++) {
      let z = tile[lid][cc] * params.invTau;
      if (arg == 0xffffffffu || z > m) { arg = c0 + cc; }
      if (z > m) { s = s * exp(m - z) + 1.0; m = z; } else { s += exp(z - m); }
    }
    workgroupBarrier();
  }
  rowMax[lid] = m;
  rowSum[lid] = s;
  rowArg[lid] = arg;
  workgroupBarrier();
  let nr = min(64u, params.rows - r0);
  for (var e = lid; e < nr * len; e += 64u) {
    let rr = e / len;
    let i = r0 * len + e;
    p[i] = exp(x[i] * params.invTau - rowMax[rr]) / rowSum[rr];
    onehot[i] = select(0.0, 1.0, e - rr * len == rowArg[rr]);
  }
}
