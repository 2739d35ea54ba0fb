// Module: the body of the scores_sg kernels (scores_sg reads Q and X from storage buffers, scores_sg_tex from
// textures): the kernel starts with `enable subgroups;`, includes the bindings (lib/scores_vec4_io.wgsl or
// lib/scores_tex_io.wgsl, which define rg_a / rg_b), lib/sg_tile.wgsl, then this module. Contract and maths are in
// scores_sg.wgsl.

/** 1: squared L2 from the norms, 0: inner product */
override METRIC_L2: u32 = 0u;
/** invocations per workgroup, a multiple of 8: 64, or 8, 16 or 32 for X of at most 64, 128 or 256 rows (kernels/scores.ts) */
override WG: u32 = 64u;

/** Writes scores of query row q0 + r against rows x0 + t (t < 8) that exist: the products, or for L2 the distances
 *  from the norms an (of the query) and xn[t]. */
fn put_row(r: u32, q0: u32, row: array<f32, 8>, an: f32, x0: u32, xn: array<f32, 8>) {
  if (q0 + r >= params.nq) { return; }
  for (var t = 0u; t < 8u; t++) {
    if (x0 + t < params.n) {
      var s = row[t];
      if (METRIC_L2 == 1u) { s = max(an + xn[t] - 2.0 * s, 0.0); }
      out[(q0 + r) * params.n + x0 + t] = s;
    }
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(subgroup_invocation_id) sid: u32) {
  let d4 = params.d / 4u;
  let q0 = wid.x * 32u;
  let x0 = (wid.y * WG + lid) * 8u;
  var iq: array<u32, 4>;
  for (var i = 0u; i < 4u; i++) { iq[i] = min(q0 + 8u * i + (sid & 7u), params.nq - 1u) * d4; }
  var jb: array<u32, 8>;
  for (var t = 0u; t < 8u; t++) { jb[t] = min(x0 + t, params.n - 1u) * d4; }
  var acc: SgAcc32;
  var qn = vec4<f32>(); // component i: ||Q[q0 + 8 i + (sid mod 8)]||^2 (L2)
  var xn: array<f32, 8>;
  for (var k4 = 0u; k4 < d4; k4++) {
    var m: array<vec4<f32>, 4>;
    for (var i = 0u; i < 4u; i++) { m[i] = rg_a(iq[i] + k4); }
    var b: array<vec4<f32>, 8>;
    for (var t = 0u; t < 8u; t++) { b[t] = rg_b(jb[t] + k4); }
    if (METRIC_L2 == 1u) {
      for (var i = 0u; i < 4u; i++) { qn[i] = rg_dot4(m[i], m[i], qn[i]); }
      for (var t = 0u; t < 8u; t++) { xn[t] = rg_dot4(b[t], b[t], xn[t]); }
    }
    sg_step32(m, b, &acc);
  }
  let qa = sg_gather32(qn); // the 32 query norms
  // constant row indices keep acc in registers (a loop over r would index it dynamically)
  put_row(0u, q0, acc[0], qa[0], x0, xn);
  put_row(1u, q0, acc[1], qa[1], x0, xn);
  put_row(2u, q0, acc[2], qa[2], x0, xn);
  put_row(3u, q0, acc[3], qa[3], x0, xn);
  put_row(4u, q0, acc[4], qa[4], x0, xn);
  put_row(5u, q0, acc[5], qa[5], x0, xn);
  put_row(6u, q0, acc[6], qa[6], x0, xn);
  put_row(7u, q0, acc[7], qa[7], x0, xn);
  put_row(8u, q0, acc[8], qa[8], x0, xn);
  put_row(9u, q0, acc[9], qa[9], x0, xn);
  put_row(10u, q0, acc[10], qa[10], x0, xn);
  put_row(11u, q0, acc[11], qa[11], x0, xn);
  put_row(12u, q0, acc[12], qa[12], x0, xn);
  put_row(13u, q0, acc[13], qa[13], x0, xn);
  put_row(14u, q0, acc[14], qa[14], x0, xn);
  put_row(15u, q0, acc[15], qa[15], x0, xn);
  put_row(16u, q0, acc[16], qa[16], x0, xn);
  put_row(17u, q0, acc[17], qa[17], x0, xn);
  put_row(18u, q0, acc[18], qa[18], x0, xn);
  put_row(19u, q0, acc[19], qa[19], x0, xn);
  put_row(20u, q0, acc[20], qa[20], x0, xn);
  put_row(21u, q0, acc[21], qa[21], x0, xn);
  put_row(22u, q0, acc[22], qa[22], x0, xn);
  put_row(23u, q0, acc[23], qa[23], x0, xn);
  put_row(24u, q0, acc[24], qa[24], x0, xn);
  put_row(25u, q0, acc[25], qa[25], x0, xn);
  put_row(26u, q0, acc[26], qa[26], x0, xn);
  put_row(27u, q0, acc[27], qa[27], x0, xn);
  put_row(28u, q0, acc[28], qa[28], x0, xn);
  put_row(29u, q0, acc[29], qa[29], x0, xn);
  put_row(30u, q0, acc[30], qa[30], x0, xn);
  put_row(31u, q0, acc[31], qa[31], x0, xn);
}
