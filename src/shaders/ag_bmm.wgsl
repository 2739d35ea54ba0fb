// Autograd batched strided matrix product, the workhorse of matmulT, subspaceSqDist and assignTimesCodebook
// (forward and backward). For batch z = workgroup_id.z:
//   A(i, k) = a[aOff + z*aBatch + i*aRow + k*aCol],  B(k, j) = b[bOff + z*bBatch + k*bRow + j*bCol]
//   acc(i, j) = sum_k A(i, k) B(k, j), written to out[z*oBatch + i*oRow + j*oCol] as
//   mode 0: alpha * acc
//   mode 1: max(sum_k A(i,k)^2 + sum_k B(k,j)^2 - 2 acc, 0)        (squared distances)
//   mode 2: 2 * (e[same place as out] * sum_k A(i,k) - acc)          (gradient of squared distances)
// Strides make transposes and per-sub-space views free. Each workgroup computes a 64 x 64 tile, each
// invocation a 4 x 4 block in registers; 64 x 16 tiles of A and B are staged in workgroup memory, loaded so
// that neighbouring invocations read neighbouring addresses along whichever axis is contiguous.
struct Params {
  m: u32, n: u32, k: u32, mode: u32,
  aOff: u32, aBatch: u32, aRow: u32, aCol: u32,
  bOff: u32, bBatch: u32, bRow: u32, bCol: u32,
  oBatch: u32, oRow: u32, oCol: u32, alpha: f32,
}
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> e: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<f32>;

const TK: u32 = 16u;
var<workgroup> ta: array<array<f32, 65>, 16>; // [k][i]
var<workgroup> tb: array<array<f32, 65>, 16>; // [k][j]

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i0 = wid.y * 64u;
  let j0 = wid.x * 64u;
  let z = wid.z;
  let t = lid.y * 16u + lid.x;
  let aBase = params.aOff + z * params.aBatch;
  let bBase = params.bOff + z * params.bBatch;
  var acc: array<array<f32, 4>, 4>;
  var an: array<f32, 4>;
  var bn: array<f32, 4>;
  for (var i = 0u; i < 4u; i++) { an[i] = 0.0; bn[i] = 0.0; for (var j = 0u; j < 4u; j++) { acc[i][j] = 0.0; } }
  for (var k0 = 0u; k0 < params.k; k0 += TK) {
    for (var r = 0u; r < 4u; r++) {
      let el = t + 256u * r;
      var ii: u32; var ka: u32;
      if (params.aCol == 1u) { ka = el % 16u; ii = el / 16u; } else { ii = el % 64u; ka = el / 64u; }
      var va = 0.0;
      if (k0 + ka < params.k && i0 + ii < params.m) { va = a[aBase + (i0 + ii) * params.aRow + (k0 + ka) * params.aCol]; }
      ta[ka][ii] = va;
      var jj: u32; var kb: u32;
      if (params.bCol == 1u) { jj = el % 64u; kb = el / 64u; } else { kb = el % 16u; jj = el / 16u; }
      var vb = 0.0;
      if (k0 + kb < params.k && j0 + jj < params.n) { vb = b[bBase + (k0 + kb) * params.bRow + (j0 + jj) * params.bCol]; }
      tb[kb][jj] = vb;
    }
    workgroupBarrier();
    for (var k = 0u; k < TK; k++) {
      var x: array<f32, 4>;
      var y: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) { x[i] = ta[k][lid.y + 16u * i]; y[i] = tb[k][lid.x + 16u * i]; }
      for (var i = 0u; i < 4u; i++) {
        if (params.mode == 1u) { an[i] += x[i] * x[i]; bn[i] += y[i] * y[i]; }
        if (params.mode == 2u) { an[i] += x[i]; }
        for (var j = 0u; j < 4u; j++) { acc[i][j] += x[i] * y[j]; }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let gi = i0 + lid.y + 16u * i;
    if (gi >= params.m) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let gj = j0 + lid.x + 16u * j;
      if (gj >= params.n) { continue; }
      let o = z * params.oBatch + gi * params.oRow + gj * params.oCol;
      var v = params.alpha * acc[i][j];
      if (params.mode == 1u) { v = max(an[i] + bn[j] - 2.0 * acc[i][j], 0.0); }
      if (params.mode == 2u) { v = 2.0 * (e[o] * an[i] - acc[i][j]); }
      out[o] = v;
    }
  }
}
