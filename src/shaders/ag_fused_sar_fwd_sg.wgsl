enable subgroups;
// ag_fused_sar_fwd (the fused softAssignReconstruct's forward; its contract below) for adapters with subgroups of
// at least 8 invocations: the same operations in the same order, so the same bits. The codewords, which every
// invocation of a workgroup reads in the same order, come through the subgroup: for each block of 8 codewords,
// lane l of each subgroup (lanes mod 8) loads codeword l and subgroupShuffle hands codeword j to all lanes, one
// load per lane for 8 codewords where each invocation loaded every codeword itself (on a SIMD software GPU a load
// at a loop-dependent address is paid per lane even when every lane reads the same one). Invocations past the
// last document compute a copy of it (they take part in the shuffles) and write nothing.
//
// Fused softAssignReconstruct forward (src/autograd/ops-fused.ts). For each (document b, sub-space m): the
// squared distances ||u^m_b - c^m_k||^2 to the K codewords, their argmin (ties: the lowest k), and
// r^m_b = c^m_argmin. Keeps the argmin code and the smallest distance for the backward pass; never
// materializes [B, M, K]. A workgroup is 64 TB documents of one sub-space and an invocation TB of them
// (b = 64 TB group + 64 t + lid, t < TB <= 8), so every invocation reads the same codeword at the same time and
// each codeword read serves TB documents (on a SIMD CPU every load is paid per invocation); no workgroup memory,
// no barriers. Each distance is summed in the same order whatever TB. Vectors are read as vec4: dsub = 4 * DS4
// (DS4 <= 8). With ADD = 1 the output is base + r (base [nb, m * DS4], one f32 add per element, as ag_axpby's
// base + r would give) rather than r.
override DS4: u32 = 4u;
override ADD: u32 = 0u;
struct Params { nb: u32, m: u32, k: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> u: array<vec4<f32>>;       // [nb, m * DS4]
@group(0) @binding(2) var<storage, read> cb: array<vec4<f32>>;      // [m, k, DS4]
@group(0) @binding(3) var<storage, read_write> r: array<vec4<f32>>; // [nb, m * DS4]
@group(0) @binding(4) var<storage, read_write> codes: array<u32>;   // [nb, m]
@group(0) @binding(5) var<storage, read_write> dmin: array<f32>;    // [nb, m]
@group(0) @binding(6) var<storage, read> base: array<vec4<f32>>;    // [nb, m * DS4] (read with ADD = 1)

override TB: u32 = 8u;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) sid: u32) {
  let s = wid.y;
  let b0 = wid.x * 64u * TB + lid;
  var uu: array<vec4<f32>, 64>; // [t * 8 + i]
  var best: array<f32, 8>;
  var arg: array<u32, 8>;
  for (var t = 0u; t < TB; t++) {
    let b = min(b0 + t * 64u, params.nb - 1u);
    let ub = (b * params.m + s) * DS4;
    for (var i = 0u; i < DS4; i++) { uu[t * 8u + i] = u[ub + i]; }
    best[t] = 3.4e38;
    arg[t] = 0u;
  }
  let c0 = s * params.k * DS4;
  for (var k0 = 0u; k0 < params.k; k0 += 8u) {
    var cm: array<vec4<f32>, 8>; // lane l: codeword k0 + l (the last one past the end)
    let kl = min(k0 + (sid & 7u), params.k - 1u);
    for (var i = 0u; i < DS4; i++) { cm[i] = cb[c0 + kl * DS4 + i]; }
    let n8 = min(8u, params.k - k0);
    for (var e = 0u; e < n8; e++) {
      var c: array<vec4<f32>, 8>;
      for (var i = 0u; i < DS4; i++) { c[i] = subgroupShuffle(cm[i], e); }
      for (var t = 0u; t < TB; t++) {
        var acc = 0.0;
        for (var i = 0u; i < DS4; i++) { let d = uu[t * 8u + i] - c[i]; acc += dot(d, d); }
        if (acc < best[t]) { best[t] = acc; arg[t] = k0 + e; }
      }
    }
  }
  for (var t = 0u; t < TB; t++) {
    let b = b0 + t * 64u;
    if (b >= params.nb) { break; }
    let ub = (b * params.m + s) * DS4;
    for (var i = 0u; i < DS4; i++) {
      let c = cb[c0 + arg[t] * DS4 + i];
      if (ADD != 0u) { r[ub + i] = base[ub + i] + c; } else { r[ub + i] = c; }
    }
    codes[b * params.m + s] = arg[t];
    dmin[b * params.m + s] = best[t];
  }
}
