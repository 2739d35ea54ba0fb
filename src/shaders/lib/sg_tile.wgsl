// Module: register tiles whose rows of A are shared across a subgroup of at least 8 invocations: 16 x 4 (the
// k-means assignment) and 32 x 8 (scores, below). The kernel starts with `enable subgroups;` and includes
// lib/reg_tile.wgsl first. 16 x 4: per vec4 of depth, lane s of each subgroup loads m0 = row (s mod 8) and m1 =
// row 8 + (s mod 8) of the block of A, every lane loads its own 4 rows b of B, and subgroupBroadcast hands lane
// r's m0 and m1 (rows r and 8 + r) to all lanes: two loads per lane bring 16 rows of A. Every product is one more
// step of an fma chain (rg_dot4), so a chain in increasing depth from 0 gives the bits of lib/reg_tile.wgsl's
// 4 x 4 tiles. Call in uniform control flow with every lane active.

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

// Wide tiles (scores_sg): 32 rows of A x 8 rows of B per invocation. Lane s of each subgroup loads m[i] = row
// 8 i + (s mod 8) of the block of A (i < 4), every lane loads its own 8 rows b of B, and subgroupBroadcast hands lane
// r's m[i] to all lanes: four loads per lane bring 32 rows of A, twelve loads feed 256 products of 4. Same fma
// chains (rg_dot4), so the same bits as the 16 x 4 and 4 x 4 tiles.

/** 32 rows of A x 8 rows of B: acc[r][t] */
alias SgAcc32 = array<array<f32, 8>, 32>;

/** row + the 8 products of a with b[t], each one more step of its fma chain */
fn sg_row8(a: vec4<f32>, b: array<vec4<f32>, 8>, row: array<f32, 8>) -> array<f32, 8> {
  return array<f32, 8>(rg_dot4(a, b[0], row[0]), rg_dot4(a, b[1], row[1]), rg_dot4(a, b[2], row[2]), rg_dot4(a, b[3], row[3]),
    rg_dot4(a, b[4], row[4]), rg_dot4(a, b[5], row[5]), rg_dot4(a, b[6], row[6]), rg_dot4(a, b[7], row[7]));
}

/** One depth step: acc[r][t] += <A row r, b[t]> for the 32 rows of A held as m[r / 8] by lane r mod 8. */
fn sg_step32(m: array<vec4<f32>, 4>, b: array<vec4<f32>, 8>, acc: ptr<function, SgAcc32>) {
  // subgroupBroadcast takes a constant lane
  (*acc)[0] = sg_row8(subgroupBroadcast(m[0], 0u), b, (*acc)[0]);
  (*acc)[1] = sg_row8(subgroupBroadcast(m[0], 1u), b, (*acc)[1]);
  (*acc)[2] = sg_row8(subgroupBroadcast(m[0], 2u), b, (*acc)[2]);
  (*acc)[3] = sg_row8(subgroupBroadcast(m[0], 3u), b, (*acc)[3]);
  (*acc)[4] = sg_row8(subgroupBroadcast(m[0], 4u), b, (*acc)[4]);
  (*acc)[5] = sg_row8(subgroupBroadcast(m[0], 5u), b, (*acc)[5]);
  (*acc)[6] = sg_row8(subgroupBroadcast(m[0], 6u), b, (*acc)[6]);
  (*acc)[7] = sg_row8(subgroupBroadcast(m[0], 7u), b, (*acc)[7]);
  (*acc)[8] = sg_row8(subgroupBroadcast(m[1], 0u), b, (*acc)[8]);
  (*acc)[9] = sg_row8(subgroupBroadcast(m[1], 1u), b, (*acc)[9]);
  (*acc)[10] = sg_row8(subgroupBroadcast(m[1], 2u), b, (*acc)[10]);
  (*acc)[11] = sg_row8(subgroupBroadcast(m[1], 3u), b, (*acc)[11]);
  (*acc)[12] = sg_row8(subgroupBroadcast(m[1], 4u), b, (*acc)[12]);
  (*acc)[13] = sg_row8(subgroupBroadcast(m[1], 5u), b, (*acc)[13]);
  (*acc)[14] = sg_row8(subgroupBroadcast(m[1], 6u), b, (*acc)[14]);
  (*acc)[15] = sg_row8(subgroupBroadcast(m[1], 7u), b, (*acc)[15]);
  (*acc)[16] = sg_row8(subgroupBroadcast(m[2], 0u), b, (*acc)[16]);
  (*acc)[17] = sg_row8(subgroupBroadcast(m[2], 1u), b, (*acc)[17]);
  (*acc)[18] = sg_row8(subgroupBroadcast(m[2], 2u), b, (*acc)[18]);
  (*acc)[19] = sg_row8(subgroupBroadcast(m[2], 3u), b, (*acc)[19]);
  (*acc)[20] = sg_row8(subgroupBroadcast(m[2], 4u), b, (*acc)[20]);
  (*acc)[21] = sg_row8(subgroupBroadcast(m[2], 5u), b, (*acc)[21]);
  (*acc)[22] = sg_row8(subgroupBroadcast(m[2], 6u), b, (*acc)[22]);
  (*acc)[23] = sg_row8(subgroupBroadcast(m[2], 7u), b, (*acc)[23]);
  (*acc)[24] = sg_row8(subgroupBroadcast(m[3], 0u), b, (*acc)[24]);
  (*acc)[25] = sg_row8(subgroupBroadcast(m[3], 1u), b, (*acc)[25]);
  (*acc)[26] = sg_row8(subgroupBroadcast(m[3], 2u), b, (*acc)[26]);
  (*acc)[27] = sg_row8(subgroupBroadcast(m[3], 3u), b, (*acc)[27]);
  (*acc)[28] = sg_row8(subgroupBroadcast(m[3], 4u), b, (*acc)[28]);
  (*acc)[29] = sg_row8(subgroupBroadcast(m[3], 5u), b, (*acc)[29]);
  (*acc)[30] = sg_row8(subgroupBroadcast(m[3], 6u), b, (*acc)[30]);
  (*acc)[31] = sg_row8(subgroupBroadcast(m[3], 7u), b, (*acc)[31]);
}

/** The 32 per-row values held as v[i] = value of row 8 i + s by lane s < 8, on every lane. */
fn sg_gather32(v: vec4<f32>) -> array<f32, 32> {
  return array<f32, 32>(
    subgroupBroadcast(v[0], 0u), subgroupBroadcast(v[0], 1u), subgroupBroadcast(v[0], 2u), subgroupBroadcast(v[0], 3u), subgroupBroadcast(v[0], 4u), subgroupBroadcast(v[0], 5u), subgroupBroadcast(v[0], 6u), subgroupBroadcast(v[0], 7u),
    subgroupBroadcast(v[1], 0u), subgroupBroadcast(v[1], 1u), subgroupBroadcast(v[1], 2u), subgroupBroadcast(v[1], 3u), subgroupBroadcast(v[1], 4u), subgroupBroadcast(v[1], 5u), subgroupBroadcast(v[1], 6u), subgroupBroadcast(v[1], 7u),
    subgroupBroadcast(v[2], 0u), subgroupBroadcast(v[2], 1u), subgroupBroadcast(v[2], 2u), subgroupBroadcast(v[2], 3u), subgroupBroadcast(v[2], 4u), subgroupBroadcast(v[2], 5u), subgroupBroadcast(v[2], 6u), subgroupBroadcast(v[2], 7u),
    subgroupBroadcast(v[3], 0u), subgroupBroadcast(v[3], 1u), subgroupBroadcast(v[3], 2u), subgroupBroadcast(v[3], 3u), subgroupBroadcast(v[3], 4u), subgroupBroadcast(v[3], 5u), subgroupBroadcast(v[3], 6u), subgroupBroadcast(v[3], 7u));
}
