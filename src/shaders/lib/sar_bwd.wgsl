// Module: the fused softAssignReconstruct backward, part 1 (src/autograd/ops-fused.ts), shared by
// ag_fused_sar_bwd and ag_fused_sar_bwd_sg (same operations in the same order, same bits): for each (document b,
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
// An invocation's documents are a SarBwd: sar_bwd_load fills it, sar_bwd_sum adds one codeword to pass 1's sums
// (codewords in increasing k), sar_bwd_du forms s and f and writes du, sar_bwd_gdist gives pass 2's gdist_k of one
// codeword and sar_bwd_store writes a quad's row.
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

/** An invocation's TB documents (slot t; vectors at [t * 8 + i]) and its sums over the codewords. */
struct SarBwd {
  uu: array<vec4<f32>, 64>,
  gg: array<vec4<f32>, 64>,
  sa: array<vec4<f32>, 64>, // sum_k e_k ga_k c_k
  sp: array<vec4<f32>, 64>, // sum_k e_k c_k
  dm: array<f32, 8>,        // dmin
  S: array<f32, 8>,         // sum_k e_k ga_k
  Z: array<f32, 8>,         // sum_k e_k
  sm: array<f32, 8>,        // s = S / Z (sar_bwd_du)
  f: array<f32, 8>,         // f = -(1/tau) / Z (sar_bwd_du)
}

/** Documents b0 + bl0 + 64 t (past the end: the last one) of sub-space s, sums zeroed. */
fn sar_bwd_load(st: ptr<function, SarBwd>, bl0: u32, s: u32) {
  for (var t = 0u; t < TB; t++) {
    let b = params.b0 + min(bl0 + t * 64u, params.nb - 1u);
    let ub = (b * params.m + s) * DS4;
    for (var i = 0u; i < DS4; i++) { (*st).uu[t * 8u + i] = u[ub + i]; (*st).gg[t * 8u + i] = g[ub + i]; (*st).sa[t * 8u + i] = vec4<f32>(0.0); (*st).sp[t * 8u + i] = vec4<f32>(0.0); }
    (*st).dm[t] = dmin[b * params.m + s];
    (*st).S[t] = 0.0;
    (*st).Z[t] = 0.0;
  }
}

/** Codeword k's sub-vector (DS4 vec4s from ck). */
fn sar_codeword(ck: u32) -> array<vec4<f32>, 8> {
  var c: array<vec4<f32>, 8>;
  for (var i = 0u; i < DS4; i++) { c[i] = cb[ck + i]; }
  return c;
}

/**
 * e_k of document slot t against codeword c, and ga_k: d_k = ||u - c||^2 and ga_k = <g, c> summed over i in order,
 * e_k = exp((dmin - d_k) / tau) (both passes call this, so they compute the same values).
 */
fn sar_bwd_e_ga(st: ptr<function, SarBwd>, c: ptr<function, array<vec4<f32>, 8>>, t: u32) -> vec2<f32> {
  var acc = 0.0;
  var gk = 0.0;
  for (var i = 0u; i < DS4; i++) {
    let d = (*st).uu[t * 8u + i] - (*c)[i];
    acc += dot(d, d);
    gk += dot((*st).gg[t * 8u + i], (*c)[i]);
  }
  return vec2<f32>(exp(((*st).dm[t] - acc) * params.invTau), gk);
}

/** Pass 1: codeword c added to every document's sums (S, Z and, for du, sa and sp). */
fn sar_bwd_sum(st: ptr<function, SarBwd>, c: ptr<function, array<vec4<f32>, 8>>) {
  for (var t = 0u; t < TB; t++) {
    let eg = sar_bwd_e_ga(st, c, t);
    let ek = eg.x;
    let w = ek * eg.y;
    (*st).S[t] += w;
    (*st).Z[t] += ek;
    if (WANT_DU != 0u) { for (var i = 0u; i < DS4; i++) { (*st).sa[t * 8u + i] += w * (*c)[i]; (*st).sp[t * 8u + i] += ek * (*c)[i]; } }
  }
}

/** After pass 1: s and f of every document, and (WANT_DU) du of the documents b0 + bl0 + 64 t < nb. */
fn sar_bwd_du(st: ptr<function, SarBwd>, bl0: u32, s: u32) {
  for (var t = 0u; t < TB; t++) { (*st).sm[t] = (*st).S[t] / (*st).Z[t]; (*st).f[t] = -params.invTau / (*st).Z[t]; }
  if (WANT_DU != 0u) {
    for (var t = 0u; t < TB; t++) {
      let bl = bl0 + t * 64u;
      if (bl >= params.nb) { break; }
      let ub = ((params.b0 + bl) * params.m + s) * DS4;
      let sumG = (*st).f[t] * ((*st).S[t] - (*st).sm[t] * (*st).Z[t]);
      for (var i = 0u; i < DS4; i++) { du[ub + i] = 2.0 * ((*st).uu[t * 8u + i] * sumG - (*st).f[t] * ((*st).sa[t * 8u + i] - (*st).sm[t] * (*st).sp[t * 8u + i])); }
    }
  }
}

/** Pass 2: gv[t][j] = gdist_k = f e_k (ga_k - s) of codeword c for every document slot t. */
fn sar_bwd_gdist(st: ptr<function, SarBwd>, c: ptr<function, array<vec4<f32>, 8>>, gv: ptr<function, array<vec4<f32>, 8>>, j: u32) {
  for (var t = 0u; t < TB; t++) {
    let eg = sar_bwd_e_ga(st, c, t);
    (*gv)[t][j] = (*st).f[t] * eg.x * (eg.y - (*st).sm[t]);
  }
}

/** Quad q's gdist (gv[t]) of the documents bl0 + 64 t < nb of sub-space s. */
fn sar_bwd_store(gv: ptr<function, array<vec4<f32>, 8>>, bl0: u32, s: u32, q: u32) {
  for (var t = 0u; t < TB; t++) {
    let bl = bl0 + t * 64u;
    if (bl < params.nb) { gd[(s * params.kq + q) * (params.nb + ROW_PAD) + bl] = (*gv)[t]; }
  }
}
