// Autograd distillation losses over teacher scores t [rows, len] (no gradient) and student scores s, one
// workgroup of 64 lanes per row (query). Only the first n = counts[row] candidates of a row count when
// hasCount = 1 (else n = len). phase 0 writes the row's loss to rowLoss[row] (the mean over rows is taken
// by ag_mean); phase 1 writes ds[row, :] = gl[0] * scale * d(row loss)/ds (0 past n).
// kind 0 ListNet:    -sum_c softmax(t/T)_c log softmax(s/T)_c              ds = (ps - pt) / T
// kind 1 KL:          sum_c pt (log pt - log ps)                            ds = (ps - pt) / T
// kind 2 MSE:         (1/n) sum_c (s_c - t_c)^2                             ds = 2 (s - t) / n
// kind 3 Margin-MSE:  margins against the teacher's top-1 i (first argmax of t):
//                     e_c = (s_i - s_c) - (t_i - t_c), loss = (1/(n-1)) sum_{c != i} e_c^2
//                     ds_c = -2 e_c / (n-1) (c != i), ds_i = 2 sum_c e_c / (n-1)
#include "lib/grid.wgsl"
struct Params { rows: u32, len: u32, kind: u32, hasCount: u32, invT: f32, scale: f32, phase: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> t: array<f32>;
@group(0) @binding(2) var<storage, read> s: array<f32>;
@group(0) @binding(3) var<storage, read> counts: array<i32>;
@group(0) @binding(4) var<storage, read> gl: array<f32>;
@group(0) @binding(5) var<storage, read_write> rowLoss: array<f32>;
@group(0) @binding(6) var<storage, read_write> ds: array<f32>;

var<workgroup> red: array<f32, 64>;
var<workgroup> redi: array<u32, 64>;

fn reduceSum(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var off = 32u; off > 0u; off = off / 2u) {
    if (lid < off) { red[lid] = red[lid] + red[lid + off]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

fn reduceMax(v: f32, lid: u32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var off = 32u; off > 0u; off = off / 2u) {
    if (lid < off) { red[lid] = max(red[lid], red[lid + off]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

// index of the first maximum of t over [base, base + n)
fn argmaxT(base: u32, n: u32, lid: u32) -> u32 {
  var mv = -3.4e38;
  var mi = 0xffffffffu;
  for (var j = lid; j < n; j += 64u) {
    let v = t[base + j];
    if (mi == 0xffffffffu || v > mv) { mv = v; mi = j; }
  }
  red[lid] = mv;
  redi[lid] = mi;
  workgroupBarrier();
  for (var off = 32u; off > 0u; off = off / 2u) {
    if (lid < off) {
      let ov = red[lid + off];
      let oi = redi[lid + off];
      if (oi != 0xffffffffu && (redi[lid] == 0xffffffffu || ov > red[lid] || (ov == red[lid] && oi < redi[lid]))) { red[lid] = ov; redi[lid] = oi; }
    }
    workgroupBarrier();
  }
  let r = redi[0];
  workgroupBarrier();
  return r;
}

@compute @workgroup_size(64)
fn main(grid: Grid, @builtin(local_invocation_index) lid: u32) {
  let row = grid_group(grid);
  if (row >= params.rows) { return; }
  let base = row * params.len;
  var n = params.len;
  if (params.hasCount == 1u) { n = u32(clamp(counts[row], 0, i32(params.len))); }
  var gscale = 0.0;
  if (params.phase == 1u) { gscale = gl[0] * params.scale; }
  var loss = 0.0;
  let invT = params.invT;
  if (params.kind <= 1u) {
    let mt = reduceMax(maxOver(base, n, lid, 0u), lid);
    let ms = reduceMax(maxOver(base, n, lid, 1u), lid);
    var zt = 0.0; var zs = 0.0; var sts = 0.0; var stt = 0.0;
    for (var j = lid; j < n; j += 64u) {
      let a = (t[base + j] - mt) * invT;
      let b = (s[base + j] - ms) * invT;
      let et = exp(a);
      zt += et; zs += exp(b); sts += et * b; stt += et * a;
    }
    zt = reduceSum(zt, lid); zs = reduceSum(zs, lid); sts = reduceSum(sts, lid); stt = reduceSum(stt, lid);
    if (n > 0u) {
      if (params.kind == 0u) { loss = log(zs) - sts / zt; } else { loss = (stt - sts) / zt - log(zt) + log(zs); }
    }
    if (params.phase == 1u) {
      for (var j = lid; j < params.len; j += 64u) {
        var gv = 0.0;
        if (j < n) {
          let pt = exp((t[base + j] - mt) * invT) / zt;
          let ps = exp((s[base + j] - ms) * invT) / zs;
          gv = gscale * (ps - pt) * invT;
        }
        ds[base + j] = gv;
      }
    }
  } else if (params.kind == 2u) {
    var acc = 0.0;
    for (var j = lid; j < n; j += 64u) { let d = s[base + j] - t[base + j]; acc += d * d; }
    acc = reduceSum(acc, lid);
    if (n > 0u) { loss = acc / f32(n); }
    if (params.phase == 1u) {
      for (var j = lid; j < params.len; j += 64u) {
        var gv = 0.0;
        if (j < n) { gv = gscale * 2.0 * (s[base + j] - t[base + j]) / f32(n); }
        ds[base + j] = gv;
      }
    }
  } else {
    var top = argmaxT(base, n, lid);
    if (n == 0u) { top = 0u; }
    var se = 0.0; var se2 = 0.0;
    if (n > 1u) {
      let ti = t[base + top];
      let si = s[base + top];
      for (var j = lid; j < n; j += 64u) {
        let e = (si - s[base + j]) - (ti - t[base + j]);
        se += e; se2 += e * e;
      }
    }
    se = reduceSum(se, lid);
    se2 = reduceSum(se2, lid);
    if (n > 1u) { loss = se2 / f32(n - 1u); }
    if (params.phase == 1u) {
      for (var j = lid; j < params.len; j += 64u) {
        var gv = 0.0;
        if (n > 1u && j < n) {
          if (j == top) { gv = 2.0 * se / f32(n - 1u); }
          else { gv = -2.0 * ((s[base + top] - s[base + j]) - (t[base + top] - t[base + j])) / f32(n - 1u); }
        }
        ds[base + j] = gscale * gv;
      }
    }
  }
  if (params.phase == 0u && lid == 0u) { rowLoss[row] = loss; }
}

// this lane's maximum of t (which = 0) or s (which = 1) over the row's valid entries
fn maxOver(base: u32, n: u32, lid: u32, which: u32) -> f32 {
  var m = -3.4e38;
  for (var j = lid; j < n; j += 64u) {
    if (which == 0u) { m = max(m, t[base + j]); } else { m = max(m, s[base + j]); }
  }
  return m;
}
