// Module: 16 x 4 register tiles whose 16 rows of A are shared across a subgroup of at least 8 invocations (the
// kernel starts with `enable subgroups;` and includes lib/reg_tile.wgsl first). Per vec4 of depth, lane s of each
// subgroup loads m0 = row (s mod 8) and m1 = row 8 + (s mod 8) of the block of A, every lane loads its own 4 rows
// b of B, and subgroupBroadcast hands lane r's m0 and m1 (rows r and 8 + r) to all lanes: two loads per lane
// bring 16 rows of A. Every product is one more step of an fma chain (rg_dot4), so a chain in increasing depth
// from 0 gives the bits of lib/reg_tile.wgsl's 4 x 4 tiles. Call in uniform control flow with every lane active.

/** 16 rows of A x 4 rows of B: acc[r][t] */
alias SgAcc = array<array<f32, 4>, 16>;

/** row + the 4 products of a with b[t], each one more step of its fma chain */
fn sg_row(a: vec4<f32>, b: array<vec4<f32>, 4>, row: array<f32, 4>) -> array<f32, 4> {
  return array<f32, 4>(rg_dot4(a, b[0], row[0]), rg_dot4(a, b[1], row[1]), rg_dot4(a, b[2], row[2]), rg_dot4(a, b[3], row[3]));
}

/** One depth step: acc[r][t] += <A row r, b[t]> for the 16 rows of A held as m0 / m1 by lanes 0..7. */
fn sg_step(m0: vec4<f32>, m1: vec4<f32>, b: array<vec4<f32>, 4>, acc: ptr<function, SgAcc>) {
  // subgroupBroadcast takes a constant lane
  (*acc)[0] = sg_row(subgroupBroadcast(m0, 0u), b, (*acc)[0]);
  (*acc)[1] = sg_row(subgroupBroadcast(m0, 1u), b, (*acc)[1]);
  (*acc)[2] = sg_row(subgroupBroadcast(m0, 2u), b, (*acc)[2]);
  (*acc)[3] = sg_row(subgroupBroadcast(m0, 3u), b, (*acc)[3]);
  (*acc)[4] = sg_row(subgroupBroadcast(m0, 4u), b, (*acc)[4]);
  (*acc)[5] = sg_row(subgroupBroadcast(m0, 5u), b, (*acc)[5]);
  (*acc)[6] = sg_row(subgroupBroadcast(m0, 6u), b, (*acc)[6]);
  (*acc)[7] = sg_row(subgroupBroadcast(m0, 7u), b, (*acc)[7]);
  (*acc)[8] = sg_row(subgroupBroadcast(m1, 0u), b, (*acc)[8]);
  (*acc)[9] = sg_row(subgroupBroadcast(m1, 1u), b, (*acc)[9]);
  (*acc)[10] = sg_row(subgroupBroadcast(m1, 2u), b, (*acc)[10]);
  (*acc)[11] = sg_row(subgroupBroadcast(m1, 3u), b, (*acc)[11]);
  (*acc)[12] = sg_row(subgroupBroadcast(m1, 4u), b, (*acc)[12]);
  (*acc)[13] = sg_row(subgroupBroadcast(m1, 5u), b, (*acc)[13]);
  (*acc)[14] = sg_row(subgroupBroadcast(m1, 6u), b, (*acc)[14]);
  (*acc)[15] = sg_row(subgroupBroadcast(m1, 7u), b, (*acc)[15]);
}

/** The 16 per-row values v0 (rows 0..7, from lanes 0..7) and v1 (rows 8..15) on every lane. */
fn sg_gather16(v0: f32, v1: f32) -> array<f32, 16> {
  return array<f32, 16>(
    subgroupBroadcast(v0, 0u), subgroupBroadcast(v0, 1u), subgroupBroadcast(v0, 2u), subgroupBroadcast(v0, 3u),
    subgroupBroadcast(v0, 4u), subgroupBroadcast(v0, 5u), subgroupBroadcast(v0, 6u), subgroupBroadcast(v0, 7u),
    subgroupBroadcast(v1, 0u), subgroupBroadcast(v1, 1u), subgroupBroadcast(v1, 2u), subgroupBroadcast(v1, 3u),
    subgroupBroadcast(v1, 4u), subgroupBroadcast(v1, 5u), subgroupBroadcast(v1, 6u), subgroupBroadcast(v1, 7u));
}
