// Fused softAssignReconstruct backward, part 1 (src/autograd/ops-fused.ts): one invocation per (document b,
// sub-space m) of a chunk of documents [b0, b0 + nb). With d_k = ||u^m_b - c^m_k||^2 recomputed (as in the
// forward), e_k = exp((dmin - d_k) / tau), Z = sum_k e_k, p_k = e_k / Z (the soft assignment),
// ga_k = <g^m_b, c^m_k> and s = sum_k p_k ga_k, the distance gradient is gdist_k = -(1/tau) p_k (ga_k - s) and
//   du^m_b = sum_k gdist_k 2 (u - c_k) = 2 (u sum_k gdist_k - sum_k gdist_k c_k),
// all in one pass over k via sum_k gdist_k c_k = -(1/tau) (sum_k e_k ga_k c_k - s sum_k e_k c_k) / Z.
// For the codebook gradient (ag_fused_sar_dc) it stores e_k and ga_k ([nb, m, kp], k padded to kp = 4 * ceil(K/4)
// with zeros) and (s, -(1/tau)/Z) per (b, m). Same layout and access pattern as the forward; vec4 loads.
override DS4: u32 = 4u;
struct Params { nb: u32, b0: u32, m: u32, k: u32, kq: u32, invTau: f32, wantDu: u32, wantE: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> u: array<vec4<f32>>;        // [B, m * DS4]
@group(0) @binding(2) var<storage, read> cb: array<vec4<f32>>;       // [m, k, DS4]
@group(0) @binding(3) var<storage, read> g: array<vec4<f32>>;        // [B, m * DS4] upstream gradient
@group(0) @binding(4) var<storage, read> dmin: array<f32>;           // [B, m]
@group(0) @binding(5) var<storage, read_write> du: array<vec4<f32>>; // [B, m * DS4]
@group(0) @binding(6) var<storage, read_write> e: array<vec4<f32>>;  // [nb, m, kq] (chunk-local)
@group(0) @binding(7) var<storage, read_write> ga: array<vec4<f32>>; // [nb, m, kq]
@group(0) @binding(8) var<storage, read_write> coef: array<vec2<f32>>; // [nb, m]

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let bl = wid.x * 64u + lid;
  let s = wid.y;
  if (bl >= params.nb) { return; }
  let b = params.b0 + bl;
  let ub = (b * params.m + s) * DS4;
  var uu: array<vec4<f32>, 8>;
  var gg: array<vec4<f32>, 8>;
  var sa: array<vec4<f32>, 8>; // sum_k e_k ga_k c_k
  var sp: array<vec4<f32>, 8>; // sum_k e_k c_k
  for (var i = 0u; i < DS4; i++) { uu[i] = u[ub + i]; gg[i] = g[ub + i]; sa[i] = vec4<f32>(0.0); sp[i] = vec4<f32>(0.0); }
  let dm = dmin[b * params.m + s];
  let c0 = s * params.k * DS4;
  let eb = (bl * params.m + s) * params.kq;
  var S = 0.0;
  var Z = 0.0;
  for (var q = 0u; q < params.kq; q++) {
    var ev = vec4<f32>(0.0);
    var gv = vec4<f32>(0.0);
    for (var j = 0u; j < 4u; j++) {
      let k = q * 4u + j;
      if (k < params.k) {
        var c: array<vec4<f32>, 8>;
        var acc = 0.0;
        var gk = 0.0;
        for (var i = 0u; i < DS4; i++) {
          c[i] = cb[c0 + k * DS4 + i];
          let t = uu[i] - c[i];
          acc += dot(t, t);
          gk += dot(gg[i], c[i]);
        }
        let ek = exp((dm - acc) * params.invTau);
        let w = ek * gk;
        S += w;
        Z += ek;
        for (var i = 0u; i < DS4; i++) { sa[i] += w * c[i]; sp[i] += ek * c[i]; }
        ev[j] = ek;
        gv[j] = gk;
      }
    }
    if (params.wantE != 0u) { e[eb + q] = ev; ga[eb + q] = gv; }
  }
  let sm = S / Z;
  let f = -params.invTau / Z;
  if (params.wantE != 0u) { coef[bl * params.m + s] = vec2<f32>(sm, f); }
  if (params.wantDu != 0u) {
    let sumG = f * (S - sm * Z);
    for (var i = 0u; i < DS4; i++) { du[ub + i] = 2.0 * (uu[i] * sumG - f * (sa[i] - sm * sp[i])); }
  }
}
