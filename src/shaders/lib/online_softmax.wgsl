// Module: softmax statistics of each row of z = x * invTau in one pass (lib/row_tile.wgsl), for the rows
// [r0, r0 + 64) of a workgroup: the running max m and sum s = sum_c exp(z_c - m), rescaled whenever the max
// grows (s = s * exp(m - z) + 1), and the first argmax. Then softmax(z)_c = exp(z_c - m) / s and
// logsumexp(z) = m + log(s).
#include "lib/row_tile.wgsl"

struct RowSoftmax { m: f32, s: f32, arg: u32 }
var<workgroup> rs_stats: array<RowSoftmax, 64>;

/** The body of a row-softmax kernel for workgroup `wg` (rows [64 wg, 64 wg + 64)): the statistics of each row
 *  into rs_stats, then row_softmax_write(i, col, stats of its row) for each element i = row * len + col, with
 *  neighbouring invocations on neighbouring elements. The kernel defines row_softmax_write. */
fn row_softmax_kernel(wg: u32, lid: u32, rows: u32, len: u32, invTau: f32) {
  let r0 = wg * 64u;
  if (r0 >= rows) { return; }
  var st = RowSoftmax(-3.4e38, 0.0, 0xffffffffu);
  for (var c0 = 0u; c0 < len; c0 += 32u) {
    row_tile_load(r0, c0, lid, rows, len);
    workgroupBarrier();
    let cn = min(32u, len - c0);
    for (var cc = 0u; cc < cn; cc++) {
      let z = rt_tile[lid][cc] * invTau;
      if (st.arg == 0xffffffffu || z > st.m) { st.arg = c0 + cc; }
      if (z > st.m) { st.s = st.s * exp(st.m - z) + 1.0; st.m = z; } else { st.s += exp(z - st.m); }
    }
    workgroupBarrier();
  }
  rs_stats[lid] = st;
  workgroupBarrier();
  let nr = min(64u, rows - r0);
  for (var e = lid; e < nr * len; e += 64u) {
    let rr = e / len;
    row_softmax_write(r0 * len + e, e - rr * len, rs_stats[rr]);
  }
}
