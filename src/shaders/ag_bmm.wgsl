// Autograd batched strided matrix product, the workhorse of matmulT, subspaceSqDist and assignTimesCodebook
// (forward and backward). For batch z = workgroup_id.z:
//   A(i, k) = a[aOff + z*aBatch + i*aRow + k*aCol],  B(k, j) = b[bOff + z*bBatch + k*bRow + j*bCol]
//   acc(i, j) = sum_k A(i, k) B(k, j), written to out[z*oBatch + i*oRow + j*oCol] as
//   mode 0: alpha * acc
//   mode 1: max(sum_k A(i,k)^2 + sum_k B(k,j)^2 - 2 acc, 0)        (squared distances)
//   mode 2: 2 * (e[same place as out] * sum_k A(i,k) - acc)          (gradient of squared distances)
// Strides make transposes and per-sub-space views free. Each workgroup computes a 64 x 64 tile
// (lib/tile_product.wgsl); slabs of A and B are staged so that neighbouring invocations read neighbouring
// addresses along whichever axis is contiguous.
#include "lib/tile_product.wgsl"
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

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let i0 = wid.y * 64u;
  let j0 = wid.x * 64u;
  let z = wid.z;
  let t = lid.y * 16u + lid.x;
  let aBase = params.aOff + z * params.aBatch;
  let bBase = params.bOff + z * params.bBatch;
  // mode 1 needs sum_k A^2 and sum_k B^2, mode 2 sum_k A
  let aNorm = select(select(0u, 2u, params.mode == 2u), 1u, params.mode == 1u);
  let bNorm = select(0u, 1u, params.mode == 1u);
  var acc = TileAcc();
  for (var k0 = 0u; k0 < params.k; k0 += TP_DEPTH) {
    for (var r = 0u; r < 4u; r++) {
      let el = t + 256u * r;
      var ii: u32; var ka: u32;
      if (params.aCol == 1u) { ka = el % 16u; ii = el / 16u; } else { ii = el % 64u; ka = el / 64u; }
      var va = 0.0;
      if (k0 + ka < params.k && i0 + ii < params.m) { va = a[aBase + (i0 + ii) * params.aRow + (k0 + ka) * params.aCol]; }
      tp_a[ka][ii] = va;
      var jj: u32; var kb: u32;
      if (params.bCol == 1u) { jj = el % 64u; kb = el / 64u; } else { kb = el % 16u; jj = el / 16u; }
      var vb = 0.0;
      if (k0 + kb < params.k && j0 + jj < params.n) { vb = b[bBase + (k0 + kb) * params.bRow + (j0 + jj) * params.bCol]; }
      tp_b[kb][jj] = vb;
    }
    workgroupBarrier();
    tp_accumulate(lid, TP_DEPTH, &acc, aNorm, bNorm);
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let gi = i0 + lid.y + 16u * i;
    if (gi >= params.m) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let gj = j0 + lid.x + 16u * j;
      if (gj >= params.n) { continue; }
      let o = z * params.oBatch + gi * params.oRow + gj * params.oCol;
      var v = params.alpha * acc.acc[i][j];
      if (params.mode == 1u) { v = max(acc.an[i] + acc.bn[j] - 2.0 * acc.acc[i][j], 0.0); }
      if (params.mode == 2u) { v = 2.0 * (e[o] * acc.an[i] - acc.acc[i][j]); }
      out[o] = v;
    }
  }
}
