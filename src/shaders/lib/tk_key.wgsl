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

/** The bits of the score a key came from (key 0 is NaN; padding is handled by the caller). */
fn tk_value_bits(o: u32, largest: bool) -> u32 {
  if (o == 0u) { return 0x7fc00000u; }
  var x = o;
  if (!largest) { x = ~x; }
  return select(~x, x & 0x7fffffffu, (x & 0x80000000u) != 0u);
}
