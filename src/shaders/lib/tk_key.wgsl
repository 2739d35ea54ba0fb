// Module: the order-preserving u32 key of a score that the top-k selection (lib/select.wgsl) ranks by.

/** Order-preserving key of a score: larger key = better. -0 and +0 are equal; NaN is 0 (last). */
fn tk_key(v: f32, largest: bool) -> u32 {
  var u = bitcast<u32>(v);
  if ((u & 0x7fffffffu) > 0x7f800000u) { return 0u; }
  if (u == 0x80000000u) { u = 0u; }
  var o = select(u | 0x80000000u, ~u, (u & 0x80000000u) != 0u);
  if (!largest) { o = ~o; }
  return o;
}
