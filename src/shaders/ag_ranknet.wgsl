// Autograd weighted RankNet over teacher t and student s [rows, len] (first n = counts[row] valid when
// hasCount = 1). Pairs (i, j) with t_i > t_j; teacher ranks r (1 = best, ties broken by index) give the
// weight w_ij = |1/r_i - 1/r_j|; z_ij = (s_i - s_j) / T. Row loss = sum w_ij softplus(-z_ij) / sum w_ij.
// phase 0: rank[row, i] for every valid i (one invocation per element, O(n) each);
// phase 1: rowLoss[row] and rowW[row] = sum w (one workgroup of 64 lanes per row, O(n^2));
// phase 2: ds[row, i] = gl[0] * scale * d(row loss)/ds_i (one invocation per element, O(n) each).
#include "lib/grid.wgsl"
struct Params { rows: u32, len: u32, hasCount: u32, invT: f32, scale: f32, phase: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> t: array<f32>;
@group(0) @binding(2) var<storage, read> s: array<f32>;
@group(0) @binding(3) var<storage, read> counts: array<i32>;
@group(0) @binding(4) var<storage, read> gl: array<f32>;
@group(0) @binding(5) var<storage, read_write> rank: array<f32>;
@group(0) @binding(6) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(7) var<storage, read_write> rowW: array<f32>;
@group(0) @binding(8) var<storage, read_write> ds: array<f32>;

var<workgroup> red: array<f32, 64>;
var<workgroup> redw: array<f32, 64>;

fn validLen(row: u32) -> u32 {
  if (params.hasCount == 1u) { return u32(clamp(counts[row], 0, i32(params.len))); }
  return params.len;
}

fn softplus(x: f32) -> f32 { return max(x, 0.0) + log(1.0 + exp(-abs(x))); }
fn sigmoid(x: f32) -> f32 { if (x >= 0.0) { return 1.0 / (1.0 + exp(-x)); } let e = exp(x); return e / (1.0 + e); }

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let w = grid_group(grid);
  if (params.phase == 1u) {
    let row = w;
    if (row >= params.rows) { return; }
    let base = row * params.len;
    let n = validLen(row);
    var l = 0.0; var ws = 0.0;
    for (var i = lid; i < n; i += 64u) {
      let ti = t[base + i]; let si = s[base + i]; let ri = 1.0 / rank[base + i];
      for (var j = 0u; j < n; j++) {
        if (ti > t[base + j]) {
          let wij = abs(ri - 1.0 / rank[base + j]);
          l += wij * softplus(-(si - s[base + j]) * params.invT);
          ws += wij;
        }
      }
    }
    red[lid] = l; redw[lid] = ws;
    workgroupBarrier();
    for (var off = 32u; off > 0u; off = off / 2u) {
      if (lid < off) { red[lid] = red[lid] + red[lid + off]; redw[lid] = redw[lid] + redw[lid + off]; }
      workgroupBarrier();
    }
    if (lid == 0u) {
      rowW[row] = redw[0];
      rowLoss[row] = select(0.0, red[0] / redw[0], redw[0] > 0.0);
    }
    return;
  }
  let e = w * 64u + lid;
  if (e >= params.rows * params.len) { return; }
  let row = e / params.len;
  let i = e - row * params.len;
  let base = row * params.len;
  let n = validLen(row);
  if (params.phase == 0u) {
    if (i >= n) { rank[e] = 0.0; return; }
    let ti = t[e];
    var r = 1u;
    for (var j = 0u; j < n; j++) { let tj = t[base + j]; if (tj > ti || (tj == ti && j < i)) { r++; } }
    rank[e] = f32(r);
    return;
  }
  // phase 2
  let W = rowW[row];
  if (i >= n || !(W > 0.0)) { ds[e] = 0.0; return; }
  let ti = t[e]; let si = s[e]; let ri = 1.0 / rank[e];
  var g = 0.0;
  for (var j = 0u; j < n; j++) {
    let tj = t[base + j];
    if (ti == tj) { continue; }
    let wij = abs(ri - 1.0 / rank[base + j]);
    if (ti > tj) { g -= wij * sigmoid(-(si - s[base + j]) * params.invT); }
    else { g += wij * sigmoid(-(s[base + j] - si) * params.invT); }
  }
  ds[e] = gl[0] * params.scale * g * params.invT / W;
}
