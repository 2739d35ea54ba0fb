enable subgroups;
// ag_fused_sar_dc (the codebook gradient of the fused softAssignReconstruct over a chunk of documents) for
// adapters with subgroups of at least 8 invocations: the same sums in the same order, so the same bits. The
// per-document rows that every invocation of a workgroup reads (u^m_b and code_bm) come through the subgroup:
// for each block of 8 documents, lane l of each subgroup loads document l's row (lanes mod 8) and
// subgroupShuffle hands document j's to all lanes, one load per lane for 8 documents where each invocation
// loaded every row itself (on a SIMD software GPU a load at a loop-dependent address is paid per lane even when
// every lane reads the same one). Invocations past the last quad compute a copy of it (they take part in the
// shuffles) and write nothing. Contract as ag_fused_sar_dc:
//   dC^m_k = sum_b [code_bm == k] g^m_b - 2 sum_b gdist_bk u^m_b + 2 c^m_k sum_b gdist_bk
// accumulated per codeword quad over the chunk's documents in order; accum = 1 adds to dc, 0 overwrites.
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
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) sid: u32) {
  let s = wid.y;
  let q = wid.x * 64u + lid;
  let qc = min(q, params.kq - 1u);
  var acc: array<vec4<f32>, 32>; // [j * 8 + i]: codeword 4q + j, component i
  for (var j = 0u; j < 4u; j++) { for (var i = 0u; i < DS4; i++) { acc[j * 8u + i] = vec4<f32>(0.0); } }
  var sg = vec4<f32>(0.0);
  let er0 = (s * params.kq + qc) * (params.nb + ROW_PAD); // this quad's row of gdist
  for (var d0 = 0u; d0 < params.nb; d0 += 8u) {
    // lane l (mod 8) holds document d0 + l's row of u and its code (the last document past the end)
    let bo = params.b0 + min(d0 + (sid & 7u), params.nb - 1u);
    var um: array<vec4<f32>, 8>;
    for (var i = 0u; i < DS4; i++) { um[i] = u[(bo * params.m + s) * DS4 + i]; }
    let cm = codes[bo * params.m + s];
    let n8 = min(8u, params.nb - d0);
    for (var e = 0u; e < n8; e++) {
      let bl = d0 + e;
      let b = params.b0 + bl;
      let gd = gdist[er0 + bl];
      sg += gd;
      let ub = (b * params.m + s) * DS4;
      let code = subgroupShuffle(cm, e);
      for (var i = 0u; i < DS4; i++) {
        let x = subgroupShuffle(um[i], e);
        for (var j = 0u; j < 4u; j++) { acc[j * 8u + i] -= (2.0 * gd[j]) * x; }
      }
      // the one-hot term: only one invocation of the workgroup holds the code. A loop of at most one pass (not an
      // if) lets a SIMD software GPU skip it for every group of invocations where no lane enters it.
      let jh = code - qc * 4u;
      for (var once = select(1u, 0u, jh < 4u); once < 1u; once++) {
        for (var j = 0u; j < 4u; j++) {
          if (jh == j) { for (var i = 0u; i < DS4; i++) { acc[j * 8u + i] += g[ub + i]; } }
        }
      }
    }
  }
  if (q >= params.kq) { return; }
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
