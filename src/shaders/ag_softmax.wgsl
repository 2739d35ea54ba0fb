// Autograd softmax / logSoftmax over the last axis with a temperature: for each row of `len` values,
// mode 0: y = softmax(x / tau), mode 1: y = x / tau - logsumexp(x / tau).
// A workgroup takes 64 rows, one per invocation. Pass 1 stages 64 x 32 tiles in workgroup memory with
// coalesced loads (neighbouring invocations read neighbouring columns), and each invocation runs an online
// max / sum-of-exp over its row from the tile. Pass 2 writes y elementwise (coalesced) from per-row stats.
struct Params { rows: u32, len: u32, invTau: f32, mode: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

var<workgroup> tile: array<array<f32, 33>, 64>;
var<workgroup> rowMax: array<f32, 64>;
var<workgroup> rowSum: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r0 = (wid.x + wid.y * nwg.x) * 64u;
  if (r0 >= params.rows) { return; }
  let len = params.len;
  var m = -3.4e38;
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
      if (z > m) { s = s * exp(m - z) + 1.0; m = z; } else { s += exp(z - m); }
    }
    workgroupBarrier();
  }
  rowMax[lid] = m;
  rowSum[lid] = s;
  workgroupBarrier();
  let nr = min(64u, params.rows - r0);
  for (var e = lid; e < nr * len; e += 64u) {
    let rr = e / len;
    let z = x[r0 * len + e] * params.invTau - rowMax[rr];
    if (params.mode == 0u) { y[r0 * len + e] = exp(z) / rowSum[rr]; } else { y[r0 * len + e] = z - log(rowSum[rr]); }
  }
}
