enable subgroups;
// ag_fused_sar_bwd (part 1 of the fused softAssignReconstruct's backward; its contract, layouts and sums below)
// for adapters with subgroups of at least 8 invocations: the same operations in the same order, so the same bits.
// The codewords, which every invocation of a workgroup reads in the same order, come through the subgroup: for
// each block of 8 codewords, lane l of each subgroup (lanes mod 8) loads codeword l and subgroupShuffle hands
// codeword j to all lanes, one load per lane for 8 codewords where each invocation loaded every codeword itself
// (on a SIMD software GPU a load at a loop-dependent address is paid per lane even when every lane reads the
// same one). Invocations past the chunk's last document compute a copy of it (they take part in the shuffles)
// and write nothing.
//
// Fused softAssignReconstruct backward, part 1 (src/autograd/ops-fused.ts): for each (document b,
// sub-space m) of a chunk of documents [b0, b0 + nb). With d_k = ||u^m_b - c^m_k||^2 recomputed (as in the
// forward), e_k = exp((dmin - d_k) / tau), Z = sum_k e_k, p_k = e_k / Z (the soft assignment),
// ga_k = <g^m_b, c^m_k> and s = sum_k p_k ga_k, the distance gradient is gdist_k = -(1/tau) p_k (ga_k - s) and
//   du^m_b = sum_k gdist_k 2 (u - c_k) = 2 (u sum_k gdist_k - sum_k gdist_k c_k),
// all in one pass over k via sum_k gdist_k c_k = -(1/tau) (sum_k e_k ga_k c_k - s sum_k e_k c_k) / Z.
// For the codebook gradient (ag_fused_sar_dc) a second pass over k recomputes e_k and ga_k (the same operations in
// the same order, so the same values) and stores gdist_k = f e_k (ga_k - s) with f = -(1/tau)/Z, as vec4s of 4
// codewords (K padded to 4 kq with zeros) in the layout [m, kq, nb + ROW_PAD]. One stored array rather than e and
// ga: on a SIMD software GPU the per-invocation stores, not the arithmetic, bound this kernel. The forward's access
// pattern (an invocation takes TB <= 8 documents of one sub-space, bl = 64 TB group + 64 t + lid, and each codeword
// read serves all of them; the sums over k run in the same order whatever TB); vec4 loads.
override DS4: u32 = 4u;
struct Params { nb: u32, b0: u32, m: u32, k: u32, kq: u32, invTau: f32 }
// WANT_DU: write du (else the sums sa and sp are not formed); WANT_E: write gdist for ag_fused_sar_dc (pass 2)
override WANT_DU: u32 = 1u;
override WANT_E: u32 = 1u;
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> u: array<vec4<f32>>;        // [B, m * DS4]
@group(0) @binding(2) var<storage, read> cb: array<vec4<f32>>;       // [m, k, DS4]
@group(0) @binding(3) var<storage, read> g: array<vec4<f32>>;        // [B, m * DS4] upstream gradient
@group(0) @binding(4) var<storage, read> dmin: array<f32>;           // [B, m]
@group(0) @binding(5) var<storage, read_write> du: array<vec4<f32>>; // [B, m * DS4]
@group(0) @binding(6) var<storage, read_write> gd: array<vec4<f32>>; // [m, kq, nb + ROW_PAD] (chunk-local)

override TB: u32 = 4u;
// gdist rows (one per sub-space and codeword quad) run over the documents: the invocations of a workgroup (one
// document each) store side by side, and ag_fused_sar_dc's invocations (one quad each) each stream one row. A row
// is padded by ROW_PAD vec4s (64 bytes) so that rows a power of two apart do not map to one cache set.
const ROW_PAD: u32 = 4u;

// Codeword k's sub-vector (DS4 vec4s from ck).
fn codeword(ck: u32) -> array<vec4<f32>, 8> {
  var c: array<vec4<f32>, 8>;
  for (var i = 0u; i < DS4; i++) { c[i] = cb[ck + i]; }
  return c;
}

// (d_k, ga_k) of document slot t against codeword c: ||u - c||^2 and <g, c>, summed over i in order (both passes
// call this, so they compute the same values).
fn dist_ga(uu: ptr<function, array<vec4<f32>, 64>>, gg: ptr<function, array<vec4<f32>, 64>>, c: ptr<function, array<vec4<f32>, 8>>, t: u32) -> vec2<f32> {
  var acc = 0.0;
  var gk = 0.0;
  for (var i = 0u; i < DS4; i++) {
    let d = (*uu)[t * 8u + i] - (*c)[i];
    acc += dot(d, d);
    gk += dot((*gg)[t * 8u + i], (*c)[i]);
  }
  return vec2<f32>(acc, gk);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) sid: u32) {
  let s = wid.y;
  let bl0 = wid.x * 64u * TB + lid;
  var uu: array<vec4<f32>, 64>; // [t * 8 + i]
  var gg: array<vec4<f32>, 64>;
  var sa: array<vec4<f32>, 64>; // sum_k e_k ga_k c_k
  var sp: array<vec4<f32>, 64>; // sum_k e_k c_k
  var dm: array<f32, 8>;
  var S: array<f32, 8>;
  var Z: array<f32, 8>;
  for (var t = 0u; t < TB; t++) {
    let b = params.b0 + min(bl0 + t * 64u, params.nb - 1u);
    let ub = (b * params.m + s) * DS4;
    for (var i = 0u; i < DS4; i++) { uu[t * 8u + i] = u[ub + i]; gg[t * 8u + i] = g[ub + i]; sa[t * 8u + i] = vec4<f32>(0.0); sp[t * 8u + i] = vec4<f32>(0.0); }
    dm[t] = dmin[b * params.m + s];
    S[t] = 0.0;
    Z[t] = 0.0;
  }
  let c0 = s * params.k * DS4;
  // pass 1: the sums over k (Z, S and, for du, sa and sp)
  for (var k0 = 0u; k0 < params.k; k0 += 8u) {
    var cm = codeword(c0 + min(k0 + (sid & 7u), params.k - 1u) * DS4); // lane l: codeword k0 + l
    let n8 = min(8u, params.k - k0);
    for (var e = 0u; e < n8; e++) {
      var c: array<vec4<f32>, 8>;
      for (var i = 0u; i < DS4; i++) { c[i] = subgroupShuffle(cm[i], e); }
      for (var t = 0u; t < TB; t++) {
        let dg = dist_ga(&uu, &gg, &c, t);
        let ek = exp((dm[t] - dg.x) * params.invTau);
        let w = ek * dg.y;
        S[t] += w;
        Z[t] += ek;
        if (WANT_DU != 0u) { for (var i = 0u; i < DS4; i++) { sa[t * 8u + i] += w * c[i]; sp[t * 8u + i] += ek * c[i]; } }
      }
    }
  }
  var sm: array<f32, 8>;
  var f: array<f32, 8>;
  for (var t = 0u; t < TB; t++) { sm[t] = S[t] / Z[t]; f[t] = -params.invTau / Z[t]; }
  if (WANT_DU != 0u) {
    for (var t = 0u; t < TB; t++) {
      let bl = bl0 + t * 64u;
      if (bl >= params.nb) { break; }
      let ub = ((params.b0 + bl) * params.m + s) * DS4;
      let sumG = f[t] * (S[t] - sm[t] * Z[t]);
      for (var i = 0u; i < DS4; i++) { du[ub + i] = 2.0 * (uu[t * 8u + i] * sumG - f[t] * (sa[t * 8u + i] - sm[t] * sp[t * 8u + i])); }
    }
  }
  if (WANT_E == 0u) { return; }
  // pass 2: e_k and ga_k again (the same operations, so the same values), and gdist_k = f e_k (ga_k - s) stored by
  // codeword quads (zeros in the padding of the last quad); a block of 8 codewords is two quads
  for (var k0 = 0u; k0 < params.k; k0 += 8u) {
    var cm = codeword(c0 + min(k0 + (sid & 7u), params.k - 1u) * DS4);
    for (var h = 0u; h < 2u; h++) {
      let q = k0 / 4u + h;
      if (q >= params.kq) { break; }
      var gv: array<vec4<f32>, 8>;
      for (var t = 0u; t < TB; t++) { gv[t] = vec4<f32>(0.0); }
      for (var j = 0u; j < 4u; j++) {
        if (q * 4u + j < params.k) {
          var c: array<vec4<f32>, 8>;
          for (var i = 0u; i < DS4; i++) { c[i] = subgroupShuffle(cm[i], h * 4u + j); }
          for (var t = 0u; t < TB; t++) {
            let dg = dist_ga(&uu, &gg, &c, t);
            let ek = exp((dm[t] - dg.x) * params.invTau);
            gv[t][j] = f[t] * ek * (dg.y - sm[t]);
          }
        }
      }
      for (var t = 0u; t < TB; t++) {
        let bl = bl0 + t * 64u;
        if (bl < params.nb) { gd[(s * params.kq + q) * (params.nb + ROW_PAD) + bl] = gv[t]; }
      }
    }
  }
}
