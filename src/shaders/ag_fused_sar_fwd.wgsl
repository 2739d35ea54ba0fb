// Fused softAssignReconstruct forward (src/autograd/ops-fused.ts). One invocation per (document b, sub-space
// m): the squared distances ||u^m_b - c^m_k||^2 to the K codewords, their argmin (ties: the lowest k), and
// r^m_b = c^m_argmin. Keeps the argmin code and the smallest distance for the backward pass; never
// materializes [B, M, K]. A workgroup is 64 documents of one sub-space, so every invocation reads the same
// codeword at the same time (a broadcast on GPUs, a cache hit on CPUs); no workgroup memory, no barriers.
// Vectors are read as vec4: dsub = 4 * DS4 (DS4 <= 8).
override DS4: u32 = 4u;
struct Params { nb: u32, m: u32, k: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> u: array<vec4<f32>>;       // [nb, m * DS4]
@group(0) @binding(2) var<storage, read> cb: array<vec4<f32>>;      // [m, k, DS4]
@group(0) @binding(3) var<storage, read_write> r: array<vec4<f32>>; // [nb, m * DS4]
@group(0) @binding(4) var<storage, read_write> codes: array<u32>;   // [nb, m]
@group(0) @binding(5) var<storage, read_write> dmin: array<f32>;    // [nb, m]

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let b = wid.x * 64u + lid;
  let s = wid.y;
  if (b >= params.nb) { return; }
  let ub = (b * params.m + s) * DS4;
  var uu: array<vec4<f32>, 8>;
  for (var i = 0u; i < DS4; i++) { uu[i] = u[ub + i]; }
  let c0 = s * params.k * DS4;
  var best = 3.4e38;
  var arg = 0u;
  for (var k = 0u; k < params.k; k++) {
    var acc = 0.0;
    for (var i = 0u; i < DS4; i++) { let t = uu[i] - cb[c0 + k * DS4 + i]; acc += dot(t, t); }
    if (acc < best) { best = acc; arg = k; }
  }
  for (var i = 0u; i < DS4; i++) { r[ub + i] = cb[c0 + arg * DS4 + i]; }
  codes[b * params.m + s] = arg;
  dmin[b * params.m + s] = best;
}
