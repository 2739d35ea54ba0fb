// float64 CPU reference of every autograd op (src/autograd, src/shaders/ag_*.wgsl): forward, and backward
// as a vector-Jacobian product (vjp: the gradient of sum(g * forward) with respect to each input).
type A = ArrayLike<number>;
const F = (n: number): Float64Array => new Float64Array(n);

// ---- elementwise -------------------------------------------------------------------------------------
/** a + beta * b[i % bn] (add: beta 1, sub: beta -1; bn = b's length) */
export function axpbyRef(a: A, b: A, beta: number): Float64Array {
  const o = F(a.length);
  for (let i = 0; i < a.length; i++) o[i] = a[i]! + beta * b[i % b.length]!;
  return o;
}
export function axpbyVjp(a: A, b: A, beta: number, g: A): [Float64Array, Float64Array] {
  const ga = Float64Array.from(g), gb = F(b.length);
  for (let i = 0; i < a.length; i++) gb[i % b.length] += beta * g[i]!;
  return [ga, gb];
}
export const scaleRef = (x: A, s: number): Float64Array => Float64Array.from(x, (v) => v * s);
export const meanRef = (x: A): Float64Array => { let s = 0; for (let i = 0; i < x.length; i++) s += x[i]!; return Float64Array.of(s / x.length); };

// ---- gatherRows --------------------------------------------------------------------------------------
export function gatherRowsRef(table: A, idx: ArrayLike<number>, n: number, d: number): Float64Array {
  const o = F(idx.length * d);
  for (let b = 0; b < idx.length; b++) {
    const r = idx[b]!;
    for (let j = 0; j < d; j++) o[b * d + j] = r === -1 ? 0 : r < 0 || r >= n ? NaN : table[r * d + j]!;
  }
  return o;
}
export function gatherRowsVjp(idx: ArrayLike<number>, n: number, d: number, g: A): Float64Array {
  const o = F(n * d);
  for (let b = 0; b < idx.length; b++) {
    const r = idx[b]!;
    if (r >= 0 && r < n) for (let j = 0; j < d; j++) o[r * d + j] += g[b * d + j]!;
  }
  return o;
}

export function gatherColsRef(a: A, idx: ArrayLike<number>, rows: number, n: number): Float64Array {
  const nj = idx.length, o = F(rows * nj);
  for (let b = 0; b < rows; b++) for (let j = 0; j < nj; j++) {
    const c = idx[j]!;
    o[b * nj + j] = c === -1 ? 0 : c < 0 || c >= n ? NaN : a[b * n + c]!;
  }
  return o;
}
export function gatherColsVjp(idx: ArrayLike<number>, rows: number, n: number, g: A): Float64Array {
  const nj = idx.length, o = F(rows * n);
  for (let b = 0; b < rows; b++) for (let j = 0; j < nj; j++) {
    const c = idx[j]!;
    if (c >= 0 && c < n) o[b * n + c] += g[b * nj + j]!;
  }
  return o;
}
// ---- scores --------------------------------------------------------------------------------------------
export function scoresBatchedRef(q: A, x: A, nb: number, c: number, d: number): Float64Array {
  const o = F(nb * c);
  for (let b = 0; b < nb; b++) for (let k = 0; k < c; k++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += q[b * d + j]! * x[(b * c + k) * d + j]!;
    o[b * c + k] = s;
  }
  return o;
}
export function scoresBatchedVjp(q: A, x: A, nb: number, c: number, d: number, g: A): [Float64Array, Float64Array] {
  const gq = F(nb * d), gx = F(nb * c * d);
  for (let b = 0; b < nb; b++) for (let k = 0; k < c; k++) {
    const gv = g[b * c + k]!;
    for (let j = 0; j < d; j++) { gq[b * d + j] += gv * x[(b * c + k) * d + j]!; gx[(b * c + k) * d + j] = gv * q[b * d + j]!; }
  }
  return [gq, gx];
}
export function matmulTRef(q: A, x: A, nb: number, n: number, d: number): Float64Array {
  const o = F(nb * n);
  for (let b = 0; b < nb; b++) for (let k = 0; k < n; k++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += q[b * d + j]! * x[k * d + j]!;
    o[b * n + k] = s;
  }
  return o;
}
export function matmulTVjp(q: A, x: A, nb: number, n: number, d: number, g: A): [Float64Array, Float64Array] {
  const gq = F(nb * d), gx = F(n * d);
  for (let b = 0; b < nb; b++) for (let k = 0; k < n; k++) {
    const gv = g[b * n + k]!;
    for (let j = 0; j < d; j++) { gq[b * d + j] += gv * x[k * d + j]!; gx[k * d + j] += gv * q[b * d + j]!; }
  }
  return [gq, gx];
}

// ---- product quantization ------------------------------------------------------------------------------
/** u [B, M*ds], codebook [M, K, ds] -> [B, M, K] squared distances per sub-space */
export function subspaceSqDistRef(u: A, cb: A, nb: number, m: number, k: number, ds: number): Float64Array {
  const o = F(nb * m * k), d = m * ds;
  for (let b = 0; b < nb; b++) for (let s = 0; s < m; s++) for (let c = 0; c < k; c++) {
    let acc = 0;
    for (let t = 0; t < ds; t++) { const e = u[b * d + s * ds + t]! - cb[(s * k + c) * ds + t]!; acc += e * e; }
    o[(b * m + s) * k + c] = acc;
  }
  return o;
}
export function subspaceSqDistVjp(u: A, cb: A, nb: number, m: number, k: number, ds: number, g: A): [Float64Array, Float64Array] {
  const d = m * ds, gu = F(nb * d), gc = F(m * k * ds);
  for (let b = 0; b < nb; b++) for (let s = 0; s < m; s++) for (let c = 0; c < k; c++) {
    const gv = g[(b * m + s) * k + c]!;
    for (let t = 0; t < ds; t++) {
      const e = 2 * gv * (u[b * d + s * ds + t]! - cb[(s * k + c) * ds + t]!);
      gu[b * d + s * ds + t] += e; gc[(s * k + c) * ds + t] -= e;
    }
  }
  return [gu, gc];
}
/** a [B, M, K], codebook [M, K, ds] -> [B, M*ds] */
export function assignTimesCodebookRef(a: A, cb: A, nb: number, m: number, k: number, ds: number): Float64Array {
  const d = m * ds, o = F(nb * d);
  for (let b = 0; b < nb; b++) for (let s = 0; s < m; s++) for (let c = 0; c < k; c++) {
    const av = a[(b * m + s) * k + c]!;
    for (let t = 0; t < ds; t++) o[b * d + s * ds + t] += av * cb[(s * k + c) * ds + t]!;
  }
  return o;
}
export function assignTimesCodebookVjp(a: A, cb: A, nb: number, m: number, k: number, ds: number, g: A): [Float64Array, Float64Array] {
  const d = m * ds, ga = F(nb * m * k), gc = F(m * k * ds);
  for (let b = 0; b < nb; b++) for (let s = 0; s < m; s++) for (let c = 0; c < k; c++) {
    let acc = 0;
    for (let t = 0; t < ds; t++) {
      const gv = g[b * d + s * ds + t]!;
      acc += gv * cb[(s * k + c) * ds + t]!;
      gc[(s * k + c) * ds + t] += a[(b * m + s) * k + c]! * gv;
    }
    ga[(b * m + s) * k + c] = acc;
  }
  return [ga, gc];
}

// ---- softmax family ------------------------------------------------------------------------------------
export function softmaxRef(x: A, len: number, tau: number, log = false): Float64Array {
  const o = F(x.length);
  for (let r = 0; r * len < x.length; r++) {
    let mx = -Infinity;
    for (let j = 0; j < len; j++) mx = Math.max(mx, x[r * len + j]! / tau);
    let s = 0;
    for (let j = 0; j < len; j++) s += Math.exp(x[r * len + j]! / tau - mx);
    for (let j = 0; j < len; j++) {
      const z = x[r * len + j]! / tau - mx;
      o[r * len + j] = log ? z - Math.log(s) : Math.exp(z) / s;
    }
  }
  return o;
}
export function softmaxVjp(x: A, len: number, tau: number, g: A, log = false): Float64Array {
  const p = softmaxRef(x, len, tau), o = F(x.length);
  for (let r = 0; r * len < x.length; r++) {
    let s = 0;
    for (let j = 0; j < len; j++) s += log ? g[r * len + j]! : g[r * len + j]! * p[r * len + j]!;
    for (let j = 0; j < len; j++) {
      const i = r * len + j;
      o[i] = (log ? g[i]! - p[i]! * s : p[i]! * (g[i]! - s)) / tau;
    }
  }
  return o;
}
/** straight-through forward: one-hot of the first argmax per row (the backward is softmaxVjp) */
export function straightThroughRef(x: A, len: number): Float64Array {
  const o = F(x.length);
  for (let r = 0; r * len < x.length; r++) {
    let best = 0;
    for (let j = 1; j < len; j++) if (x[r * len + j]! > x[r * len + best]!) best = j;
    o[r * len + best] = 1;
  }
  return o;
}

// ---- losses (t teacher, s student [B, C]; counts = valid leading candidates per row) ----------------------
export type LossName = 'listnet' | 'kl' | 'mse' | 'margin' | 'ranknet';

function rowLossRef(name: LossName, t: A, s: A, o: number, n: number, T: number): number {
  if (name === 'mse') { let a = 0; for (let j = 0; j < n; j++) a += (s[o + j]! - t[o + j]!) ** 2; return n ? a / n : 0; }
  if (name === 'margin') {
    if (n < 2) return 0;
    let top = 0;
    for (let j = 1; j < n; j++) if (t[o + j]! > t[o + top]!) top = j;
    let a = 0;
    for (let j = 0; j < n; j++) a += ((s[o + top]! - s[o + j]!) - (t[o + top]! - t[o + j]!)) ** 2;
    return a / (n - 1);
  }
  if (name === 'ranknet') {
    const rank = (i: number): number => { let r = 1; for (let j = 0; j < n; j++) if (t[o + j]! > t[o + i]! || (t[o + j] === t[o + i] && j < i)) r++; return r; };
    const r = Array.from({ length: n }, (_, i) => rank(i));
    let l = 0, w = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      if (!(t[o + i]! > t[o + j]!)) continue;
      const wij = Math.abs(1 / r[i]! - 1 / r[j]!), z = (s[o + i]! - s[o + j]!) / T;
      l += wij * (Math.max(-z, 0) + Math.log1p(Math.exp(-Math.abs(z)))); w += wij;
    }
    return w > 0 ? l / w : 0;
  }
  if (n === 0) return 0;
  const lse = (v: A): number => { let m = -Infinity; for (let j = 0; j < n; j++) m = Math.max(m, v[o + j]! / T); let z = 0; for (let j = 0; j < n; j++) z += Math.exp(v[o + j]! / T - m); return m + Math.log(z); };
  const lt = lse(t), ls = lse(s);
  let l = 0;
  for (let j = 0; j < n; j++) {
    const lpt = t[o + j]! / T - lt, lps = s[o + j]! / T - ls;
    l += Math.exp(lpt) * (name === 'kl' ? lpt - lps : -lps);
  }
  return l;
}

/** mean over rows of the row losses */
export function lossRef(name: LossName, t: A, s: A, rows: number, len: number, T = 1, counts?: ArrayLike<number>): number {
  let sum = 0;
  for (let r = 0; r < rows; r++) sum += rowLossRef(name, t, s, r * len, counts ? Math.max(0, Math.min(len, counts[r]!)) : len, T);
  return sum / rows;
}

/** analytic gradient of lossRef with respect to s */
export function lossVjp(name: LossName, t: A, s: A, rows: number, len: number, T = 1, counts?: ArrayLike<number>): Float64Array {
  const g = F(rows * len);
  for (let r = 0; r < rows; r++) {
    const o = r * len, n = counts ? Math.max(0, Math.min(len, counts[r]!)) : len;
    if (name === 'mse') { for (let j = 0; j < n; j++) g[o + j] = 2 * (s[o + j]! - t[o + j]!) / n / rows; continue; }
    if (name === 'listnet' || name === 'kl') {
      if (!n) continue;
      const pt = softmaxRef(Array.from({ length: n }, (_, j) => t[o + j]!), n, T), ps = softmaxRef(Array.from({ length: n }, (_, j) => s[o + j]!), n, T);
      for (let j = 0; j < n; j++) g[o + j] = (ps[j]! - pt[j]!) / T / rows;
      continue;
    }
    if (name === 'margin') {
      if (n < 2) continue;
      let top = 0;
      for (let j = 1; j < n; j++) if (t[o + j]! > t[o + top]!) top = j;
      for (let j = 0; j < n; j++) {
        const e = (s[o + top]! - s[o + j]!) - (t[o + top]! - t[o + j]!);
        g[o + top] += 2 * e / (n - 1) / rows; g[o + j] -= 2 * e / (n - 1) / rows;
      }
      continue;
    }
    // ranknet
    const rank = (i: number): number => { let q = 1; for (let j = 0; j < n; j++) if (t[o + j]! > t[o + i]! || (t[o + j] === t[o + i] && j < i)) q++; return q; };
    const rk = Array.from({ length: n }, (_, i) => rank(i));
    let w = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (t[o + i]! > t[o + j]!) w += Math.abs(1 / rk[i]! - 1 / rk[j]!);
    if (!(w > 0)) continue;
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      if (!(t[o + i]! > t[o + j]!)) continue;
      const wij = Math.abs(1 / rk[i]! - 1 / rk[j]!), z = (s[o + i]! - s[o + j]!) / T;
      const d = wij / (1 + Math.exp(z)) / T / w / rows; // d softplus(-z)/dz = -sigmoid(-z)
      g[o + i] -= d; g[o + j] += d;
    }
  }
  return g;
}

// ---- optimizers ---------------------------------------------------------------------------------------------
export function sgdRef(p: Float64Array, g: A, v: Float64Array | null, lr: number, momentum: number, wd: number): void {
  for (let i = 0; i < p.length; i++) {
    let d = g[i]! + wd * p[i]!;
    if (v) { d = momentum * v[i]! + d; v[i] = d; }
    p[i] = p[i]! - lr * d;
  }
}
export function adamRef(p: Float64Array, g: A, m: Float64Array, v: Float64Array, step: number, lr: number, b1: number, b2: number, eps: number, wd: number, decoupled: boolean): void {
  for (let i = 0; i < p.length; i++) {
    let gv = g[i]!;
    if (decoupled) p[i] = p[i]! * (1 - lr * wd); else gv += wd * p[i]!;
    m[i] = b1 * m[i]! + (1 - b1) * gv;
    v[i] = b2 * v[i]! + (1 - b2) * gv * gv;
    p[i] = p[i]! - lr * (m[i]! / (1 - b1 ** step)) / (Math.sqrt(v[i]! / (1 - b2 ** step)) + eps);
  }
}

// ---- fused straight-through reconstruction (softAssignReconstruct) ------------------------------------------
/** one-hot of the nearest codeword per (b, m) (ties: the lowest k), [B, M, K] */
export function nearestOneHotRef(u: A, cb: A, nb: number, m: number, k: number, ds: number): Float64Array {
  const dist = subspaceSqDistRef(u, cb, nb, m, k, ds);
  return straightThroughRef(dist.map((v) => -v), k);
}
/** forward: r^m_b = c^m_(nearest k) */
export function softAssignReconstructRef(u: A, cb: A, nb: number, m: number, k: number, ds: number): Float64Array {
  return assignTimesCodebookRef(nearestOneHotRef(u, cb, nb, m, k, ds), cb, nb, m, k, ds);
}
/**
 * A function of (u, cb) whose derivatives at (u0, cb0) are the straight-through gradients and whose value there
 * is the forward: (onehot0 - p0 + p(u, cb)) . cb, with onehot0 and p0 = softmax(-dist / tau) frozen at (u0, cb0).
 */
export function softAssignSurrogate(u0: A, cb0: A, nb: number, m: number, k: number, ds: number, tau: number): (xs: Float64Array[]) => Float64Array {
  const oh = nearestOneHotRef(u0, cb0, nb, m, k, ds);
  const p0 = softmaxRef(subspaceSqDistRef(u0, cb0, nb, m, k, ds).map((v) => -v), k, tau);
  const fixed = oh.map((v, i) => v - p0[i]!);
  return ([u, cb]) => {
    const p = softmaxRef(subspaceSqDistRef(u!, cb!, nb, m, k, ds).map((v) => -v), k, tau);
    return assignTimesCodebookRef(p.map((v, i) => v + fixed[i]!), cb!, nb, m, k, ds);
  };
}
/** the analytic gradients: ga = g . c, gdist = -(1/tau) p (ga - sum p ga), du = sum_k gdist 2 (u - c_k), dc = onehot^T g - sum_b gdist 2 (u - c_k) */
export function softAssignReconstructVjp(u: A, cb: A, nb: number, m: number, k: number, ds: number, tau: number, g: A): [Float64Array, Float64Array] {
  const d = m * ds, du = F(nb * d), dc = F(m * k * ds);
  const oh = nearestOneHotRef(u, cb, nb, m, k, ds);
  const p = softmaxRef(subspaceSqDistRef(u, cb, nb, m, k, ds).map((v) => -v), k, tau);
  for (let b = 0; b < nb; b++) for (let s = 0; s < m; s++) {
    const row = (b * m + s) * k;
    const ga = F(k);
    let sp = 0;
    for (let c = 0; c < k; c++) {
      for (let t = 0; t < ds; t++) ga[c] += g[b * d + s * ds + t]! * cb[(s * k + c) * ds + t]!;
      sp += p[row + c]! * ga[c]!;
    }
    for (let c = 0; c < k; c++) {
      const gd = -(p[row + c]! * (ga[c]! - sp)) / tau;
      for (let t = 0; t < ds; t++) {
        const ui = b * d + s * ds + t, ci = (s * k + c) * ds + t;
        const e = 2 * gd * (u[ui]! - cb[ci]!);
        du[ui] += e;
        dc[ci] += oh[row + c]! * g[ui]! - e;
      }
    }
  }
  return [du, dc];
}
