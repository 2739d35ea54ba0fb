// Fused softAssignReconstruct backward, part 2 (src/autograd/ops-fused.ts): the codebook gradient over a
// chunk of documents [b0, b0 + nb), without float atomics. A workgroup per (sub-space m, 64 quads of 4
// codewords), an invocation per quad: every per-document load (u, g, code) has one address across the
// workgroup (a uniform load on a SIMD software GPU). Each invocation loops over the chunk's documents in order
// (deterministic) and accumulates, per codeword,
//   dC^m_k = sum_b [code_bm == k] g^m_b - 2 sum_b gdist_bk u^m_b + 2 c^m_k sum_b gdist_bk
// with gdist_bk = f_b e_bk (ga_bk - s_b) as ag_fused_sar_bwd stored it. Per document: one vec4 of gdist
// (4 codewords; an invocation streams its quad's row), the code and u^m_b
// (shared by the 4 codewords). accum = 1 adds to the chunks before (dc already holds them); accum = 0 overwrites.
override DS4: u32 = 4u;
const ROW_PAD: u32 = 4u; // as ag_fused_sar_bwd's (its layout of gdist)
struct Params { nb: u32, b0: u32, m: u32, k: u32, kq: u32, accum: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> u: array<vec4<f32>>;        // [B, m * DS4]
@group(0) @binding(2) var<storage, read> cb: array<vec4<f32>>;       // [m, k, DS4]
@group(0) @binding(3) var<storage, read> g: array<vec4<f32>>;        // [B, m * DS4]
@group(0) @binding(4) var<storage, read> codes: array<u32>;          // [B, m]
@group(0) @binding(5) var<storage, read> gdist: array<vec4<f32>>;    // [m, kq, nb + ROW_PAD]
@group(0) @binding(6) var<storage, read_write> dc: array<vec4<f32>>; // [m, k, DS4]

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let s = wid.y;
  let q = wid.x * 64u + lid;
  if (q >= params.kq) { return; }
  var acc: array<vec4<f32>, 32>; // [j * 8 + i]: codeword 4q + j, component i
  for (var j = 0u; j < 4u; j++) { for (var i = 0u; i < DS4; i++) { acc[j * 8u + i] = vec4<f32>(0.0); } }
  var sg = vec4<f32>(0.0);
  let er0 = (s * params.kq + q) * (params.nb + ROW_PAD); // this quad's row of gdist
  for (var bl = 0u; bl < params.nb; bl++) {
    let b = params.b0 + bl;
    let gd = gdist[er0 + bl];
    sg += gd;
    let ub = (b * params.m + s) * DS4;
    let code = codes[b * params.m + s];
    for (var i = 0u; i < DS4; i++) {
      let x = u[ub + i];
      for (var j = 0u; j < 4u; j++) { acc[j * 8u + i] -= (2.0 * gd[j]) * x; }
    }
    // the one-hot term: only one invocation of the workgroup holds the code. A loop of at most one pass (not an if)
    // lets a SIMD software GPU skip it for every group of invocations where no lane enters it.
    let jh = code - q * 4u;
    for (var once = select(1u, 0u, jh < 4u); once < 1u; once++) {
      for (var j = 0u; j < 4u; j++) {
        if (jh == j) { for (var i = 0u; i < DS4; i++) { acc[j * 8u + i] += g[ub + i]; } }
      }
    }
  }
  for (var j = 0u; j < 4u; j++) {
    let k = q * 4u + j;
    if (k >= params.k) { break; }
    let o = (s * params.k + k) * DS4;
    for (var i = 0u; i < DS4; i++) {
      var v = acc[j * 8u + i] + (2.0 * sg[j]) * cb[o + i];
      if (params.accum != 0u) { v += dc[o + i]; }
      dc[o + i] = v;
    }
  }
}
