// Batched query-by-vector scores: out[q * n + j] = <Q[q], X[j]> (metric 0, inner product)
// or ||Q[q] - X[j]||^2 (metric 1, squared L2). Q is nq x d, X is n x d, both row-major.
// Each workgroup computes a 64 x 64 tile of the output; each invocation a 4 x 4 block held in registers.
// Tiles of Q and X (64 rows x 16 dims) are staged in workgroup memory, read by rows so that neighbouring
// invocations load neighbouring addresses.
struct Params { nq: u32, n: u32, d: u32, metric: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

const TK: u32 = 16u;
var<workgroup> tq: array<array<f32, 65>, 16>; // [k][row], padded
var<workgroup> tx: array<array<f32, 65>, 16>;

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let q0 = wid.y * 64u;
  let x0 = wid.x * 64u;
  let t = lid.y * 16u + lid.x;
  var acc: array<array<f32, 4>, 4>;
  var qn: array<f32, 4>;
  var xn: array<f32, 4>;
  for (var i = 0u; i < 4u; i++) { qn[i] = 0.0; xn[i] = 0.0; for (var j = 0u; j < 4u; j++) { acc[i][j] = 0.0; } }
  for (var k0 = 0u; k0 < params.d; k0 += TK) {
    // 256 invocations load 64 rows x 16 dims of each tile: 4 loads each, consecutive k across lid.x.
    for (var r = 0u; r < 4u; r++) {
      let row = r * 16u + lid.y;
      let k = k0 + lid.x;
      var vq = 0.0;
      var vx = 0.0;
      if (k < params.d) {
        if (q0 + row < params.nq) { vq = q[(q0 + row) * params.d + k]; }
        if (x0 + row < params.n) { vx = x[(x0 + row) * params.d + k]; }
      }
      tq[lid.x][row] = vq;
      tx[lid.x][row] = vx;
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) { a[i] = tq[k][lid.y + 16u * i]; b[i] = tx[k][lid.x + 16u * i]; }
      for (var i = 0u; i < 4u; i++) {
        qn[i] += a[i] * a[i];
        xn[i] += b[i] * b[i];
        for (var j = 0u; j < 4u; j++) { acc[i][j] += a[i] * b[j]; }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let qi = q0 + lid.y + 16u * i;
    if (qi >= params.nq) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let xj = x0 + lid.x + 16u * j;
      if (xj >= params.n) { continue; }
      var s = acc[i][j];
      if (params.metric == 1u) { s = max(qn[i] + xn[j] - 2.0 * s, 0.0); }
      out[qi * params.n + xj] = s;
    }
  }
}
