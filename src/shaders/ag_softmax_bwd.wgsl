// Autograd softmax / logSoftmax backward, per row of `len`, given the forward output y and upstream g:
// mode 0 (y = softmax):    dx = y * (g - sum(g * y)) / tau
// mode 1 (y = logSoftmax): dx = (g - exp(y) * sum(g)) / tau
// Also the backward of straightThroughAssign (mode 0 with y = the soft assignment p).
// 64 rows per workgroup: the row sums come from 64 x 32 tiles loaded coalesced into workgroup memory
// (one row per invocation), then dx is written elementwise (coalesced).
struct Params { rows: u32, len: u32, invTau: f32, mode: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

var<workgroup> tile: array<array<f32, 33>, 64>;
var<workgroup> rowTot: array<f32, 64>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let r0 = (wid.x + wid.y * nwg.x) * 64u;
  if (r0 >= params.rows) { return; }
  let len = params.len;
  var tot = 0.0;
  for (var c0 = 0u; c0 < len; c0 += 32u) {
    for (var k = 0u; k < 32u; k++) {
      let e = k * 64u + lid;
      let rr = e / 32u;
      let cc = e % 32u;
      var v = 0.0;
      if (r0 + rr < params.rows && c0 + cc < len) {
        let i = (r0 + rr) * len + c0 + cc;
        if (params.mode == 0u) { v = g[i] * y[i]; } else { v = g[i]; }
      }
      tile[rr][cc] = v;
    }
    workgroupBarrier();
    let cn = min(32u, len - c0);
    for (var cc = 0u; cc < cn; cc++) { tot += tile[lid][cc]; }
    workgroupBarrier();
  }
  rowTot[lid] = tot;
  workgroupBarrier();
  let nr = min(64u, params.rows - r0);
  for (var e = lid; e < nr * len; e += 64u) {
    let i = r0 * len + e;
    let t = rowTot[e / len];
    if (params.mode == 0u) { dx[i] = y[i] * (g[i] - t) * params.invTau; }
    else { dx[i] = (g[i] - exp(y[i]) * t) * params.invTau; }
  }
}
