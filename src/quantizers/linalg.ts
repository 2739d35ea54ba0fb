// Dense float64 linear algebra on the host (no GPU, no Node APIs, browser-safe), sized for d x d matrices of
// vector dimensions (d up to ~1024): symmetric eigendecomposition (Householder tridiagonalisation + implicit QL,
// the classic EISPACK tred2/tql2 scheme), SVD of a square matrix, orthogonal Procrustes and matmul helpers.
// All matrices are row-major flat arrays; a matrix "n x m" has n rows of m values.

export type Matrix = Float64Array;
type Num = ArrayLike<number>;

function checkSize(name: string, a: Num, len: number): void {
  if (a.length < len) throw new Error(`${name}: expected at least ${len} values, got ${a.length}`);
}

function checkDim(name: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new Error(`${name}: dimension must be a non-negative integer, got ${v}`);
}

/** I (n x n). */
export function identity(n: number): Matrix {
  checkDim('identity', n);
  const r = new Float64Array(n * n);
  for (let i = 0; i < n; i++) r[i * n + i] = 1;
  return r;
}

/** A^T for A (rows x cols); returns cols x rows. */
export function transpose(a: Num, rows: number, cols: number): Matrix {
  checkDim('transpose', rows); checkDim('transpose', cols); checkSize('transpose', a, rows * cols);
  const r = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) r[j * rows + i] = a[i * cols + j]!;
  return r;
}

/** C = A B for A (n x k), B (k x m); returns n x m. */
export function matmul(a: Num, b: Num, n: number, k: number, m: number): Matrix {
  checkDim('matmul', n); checkDim('matmul', k); checkDim('matmul', m);
  checkSize('matmul A', a, n * k); checkSize('matmul B', b, k * m);
  const c = new Float64Array(n * m);
  const row = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    row.fill(0);
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p]!;
      if (av === 0) continue;
      const bo = p * m;
      for (let j = 0; j < m; j++) row[j] += av * b[bo + j]!;
    }
    c.set(row, i * m);
  }
  return c;
}

/** C = A^T B for A (n x k), B (n x m); returns k x m (e.g. X^T Y, or the scatter matrix X^T X). */
export function matmulTN(a: Num, b: Num, n: number, k: number, m: number): Matrix {
  checkDim('matmulTN', n); checkDim('matmulTN', k); checkDim('matmulTN', m);
  checkSize('matmulTN A', a, n * k); checkSize('matmulTN B', b, n * m);
  const c = new Float64Array(k * m);
  const arow = new Float64Array(k), brow = new Float64Array(m);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) arow[p] = a[i * k + p]!;
    for (let j = 0; j < m; j++) brow[j] = b[i * m + j]!;
    for (let p = 0; p < k; p++) {
      const av = arow[p]!;
      if (av === 0) continue;
      const co = p * m;
      for (let j = 0; j < m; j++) c[co + j] += av * brow[j]!;
    }
  }
  return c;
}

/** C = A B^T for A (n x k), B (m x k); returns n x m (e.g. rotating row vectors: Y = X A^T). */
export function matmulNT(a: Num, b: Num, n: number, k: number, m: number): Matrix {
  checkDim('matmulNT', n); checkDim('matmulNT', k); checkDim('matmulNT', m);
  checkSize('matmulNT A', a, n * k); checkSize('matmulNT B', b, m * k);
  const c = new Float64Array(n * m);
  const bb = b instanceof Float64Array ? b : Float64Array.from(b as ArrayLike<number>);
  const arow = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < k; p++) arow[p] = a[i * k + p]!;
    for (let j = 0; j < m; j++) {
      let s = 0;
      const bo = j * k;
      for (let p = 0; p < k; p++) s += arow[p]! * bb[bo + p]!;
      c[i * m + j] = s;
    }
  }
  return c;
}

/** max |A A^T - I| over all entries, for A (n x n): 0 for an exactly orthogonal matrix. */
export function orthogonalityError(a: Num, n: number): number {
  const g = matmulNT(a, a, n, n, n);
  let worst = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    const e = Math.abs(g[i * n + j]! - (i === j ? 1 : 0));
    if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
  }
  return worst;
}

export interface SymEig {
  /** eigenvalues, descending */
  values: Float64Array;
  /** n x n row-major; column j is the unit eigenvector of values[j] (a = V diag(values) V^T) */
  vectors: Matrix;
}

/**
 * Eigendecomposition of a symmetric matrix a (n x n; only symmetric input is meaningful, the lower triangle
 * is what is read). Householder reduction to tridiagonal form, then the implicit-shift QL algorithm, both
 * accumulating the orthogonal transform (O(n^3), about a second for n = 512 in V8).
 * Internally the transform is kept transposed (eigenvectors as rows) so all inner loops run over contiguous
 * memory.
 */
export function symEig(a: Num, n: number): SymEig {
  checkDim('symEig', n); checkSize('symEig', a, n * n);
  const values = new Float64Array(n);
  if (n === 0) return { values, vectors: new Float64Array(0) };
  for (let i = 0; i < n * n; i++) if (!Number.isFinite(a[i]!)) throw new Error(`symEig: matrix has a non-finite entry at ${i} (${a[i]})`);
  // W[j * n + k] holds the working matrix entry V[k][j] (V = input, lower triangle used, then the transform).
  const W = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) { W[j * n + i] = a[i * n + j]!; W[i * n + j] = a[i * n + j]!; }
  const d = values, e = new Float64Array(n);
  tred2(W, d, e, n);
  tql2(W, d, e, n);
  // sort descending, W rows follow
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => d[y]! - d[x]!);
  const vals = new Float64Array(n), vectors = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const src = order[j]!;
    vals[j] = d[src]!;
    for (let k = 0; k < n; k++) vectors[k * n + j] = W[src * n + k]!;
  }
  return { values: vals, vectors };
}

// Householder tridiagonalisation (EISPACK tred2 as in JAMA), with V[r][c] stored at W[c * n + r].
function tred2(W: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) d[j] = W[j * n + n - 1]!;
  for (let i = n - 1; i > 0; i--) {
    let scale = 0, h = 0;
    for (let k = 0; k < i; k++) scale += Math.abs(d[k]!);
    if (scale === 0) {
      e[i] = d[i - 1]!;
      for (let j = 0; j < i; j++) {
        d[j] = W[j * n + i - 1]!;
        W[j * n + i] = 0;
        W[i * n + j] = 0;
      }
    } else {
      for (let k = 0; k < i; k++) { d[k] = d[k]! / scale; h += d[k]! * d[k]!; }
      let f = d[i - 1]!;
      let g = Math.sqrt(h);
      if (f > 0) g = -g;
      e[i] = scale * g;
      h -= f * g;
      d[i - 1] = f - g;
      for (let j = 0; j < i; j++) e[j] = 0;
      for (let j = 0; j < i; j++) {
        f = d[j]!;
        W[i * n + j] = f; // V[j][i] = f
        const wj = j * n;
        g = e[j]! + W[wj + j]! * f;
        for (let k = j + 1; k <= i - 1; k++) {
          const v = W[wj + k]!; // V[k][j]
          g += v * d[k]!;
          e[k] = e[k]! + v * f;
        }
        e[j] = g;
      }
      f = 0;
      for (let j = 0; j < i; j++) { e[j] = e[j]! / h; f += e[j]! * d[j]!; }
      const hh = f / (h + h);
      for (let j = 0; j < i; j++) e[j] = e[j]! - hh * d[j]!;
      for (let j = 0; j < i; j++) {
        f = d[j]!; g = e[j]!;
        const wj = j * n;
        for (let k = j; k <= i - 1; k++) W[wj + k] = W[wj + k]! - (f * e[k]! + g * d[k]!);
        d[j] = W[wj + i - 1]!;
        W[wj + i] = 0;
      }
    }
    d[i] = h;
  }
  // accumulate the transformations
  for (let i = 0; i < n - 1; i++) {
    W[i * n + n - 1] = W[i * n + i]!;
    W[i * n + i] = 1;
    const h = d[i + 1]!;
    const wi1 = (i + 1) * n;
    if (h !== 0) {
      for (let k = 0; k <= i; k++) d[k] = W[wi1 + k]! / h;
      for (let j = 0; j <= i; j++) {
        const wj = j * n;
        let g = 0;
        for (let k = 0; k <= i; k++) g += W[wi1 + k]! * W[wj + k]!;
        for (let k = 0; k <= i; k++) W[wj + k] = W[wj + k]! - g * d[k]!;
      }
    }
    for (let k = 0; k <= i; k++) W[wi1 + k] = 0;
  }
  for (let j = 0; j < n; j++) { d[j] = W[j * n + n - 1]!; W[j * n + n - 1] = 0; }
  W[(n - 1) * n + n - 1] = 1;
  e[0] = 0;
}

// Implicit QL on the tridiagonal (d, e), accumulating rotations into the rows of W.
function tql2(W: Float64Array, d: Float64Array, e: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) e[i - 1] = e[i]!;
  e[n - 1] = 0;
  let f = 0, tst1 = 0;
  const eps = 2 ** -52;
  for (let l = 0; l < n; l++) {
    tst1 = Math.max(tst1, Math.abs(d[l]!) + Math.abs(e[l]!));
    let m = l;
    while (m < n) { if (Math.abs(e[m]!) <= eps * tst1) break; m++; }
    if (m === n) m = n - 1; // e[n-1] is 0, only reached through rounding
    if (m > l) {
      let iter = 0;
      do {
        if (++iter > 60) throw new Error(`symEig: QL iteration did not converge for eigenvalue ${l} of ${n}`);
        let g = d[l]!;
        let p = (d[l + 1]! - g) / (2 * e[l]!);
        let r = Math.hypot(p, 1);
        if (p < 0) r = -r;
        d[l] = e[l]! / (p + r);
        d[l + 1] = e[l]! * (p + r);
        const dl1 = d[l + 1]!;
        let h = g - d[l]!;
        for (let i = l + 2; i < n; i++) d[i] = d[i]! - h;
        f += h;
        p = d[m]!;
        let c = 1, c2 = 1, c3 = 1, s = 0, s2 = 0;
        const el1 = e[l + 1]!;
        for (let i = m - 1; i >= l; i--) {
          c3 = c2; c2 = c; s2 = s;
          g = c * e[i]!;
          h = c * p;
          r = Math.hypot(p, e[i]!);
          e[i + 1] = s * r;
          s = e[i]! / r;
          c = p / r;
          p = c * d[i]! - s * g;
          d[i + 1] = h + s * (c * g + s * d[i]!);
          const wa = (i + 1) * n, wb = i * n;
          for (let k = 0; k < n; k++) {
            const hv = W[wa + k]!, wv = W[wb + k]!;
            W[wa + k] = s * wv + c * hv;
            W[wb + k] = c * wv - s * hv;
          }
        }
        p = (-s * s2 * c3 * el1 * e[l]!) / dl1;
        e[l] = s * p;
        d[l] = c * p;
      } while (Math.abs(e[l]!) > eps * tst1);
    }
    d[l] = d[l]! + f;
    e[l] = 0;
  }
}

export interface Svd {
  /** n x n row-major, orthogonal; column j is the left singular vector of s[j] */
  u: Matrix;
  /** singular values, descending, non-negative */
  s: Float64Array;
  /** n x n row-major, orthogonal; column j is the right singular vector of s[j] (a = U diag(s) V^T) */
  v: Matrix;
}

/**
 * SVD of a square matrix a (n x n). V and s^2 come from the eigendecomposition of A^T A; U's columns are
 * A v_j / |A v_j|, re-orthonormalised by two passes of modified Gram-Schmidt in order of decreasing s (so the
 * well-determined directions keep their accuracy); directions with (numerically) zero singular value are
 * completed with an orthonormal basis of the rest. U and V are orthogonal to rounding even for rank-deficient a.
 */
export function svd(a: Num, n: number): Svd {
  checkDim('svd', n); checkSize('svd', a, n * n);
  const ata = matmulTN(a, a, n, n, n);
  const { vectors: V } = symEig(ata, n);
  const AV = matmul(a, V, n, n, n); // column j = A v_j
  const ut = transpose(AV, n, n); // row j = A v_j
  const s = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let q = 0;
    for (let k = 0; k < n; k++) q += ut[j * n + k]! ** 2;
    s[j] = Math.sqrt(q);
  }
  const smax = s[0] ?? 0;
  const tiny = Math.max(smax * n * 1e-15, Number.MIN_VALUE);
  let nextBasis = 0;
  for (let j = 0; j < n; j++) {
    const row = ut.subarray(j * n, j * n + n);
    let ok = s[j]! > tiny && orthonormalise(ut, j, n, row);
    while (!ok) {
      if (nextBasis >= n) throw new Error('svd: could not complete an orthonormal basis');
      row.fill(0); row[nextBasis++] = 1;
      ok = orthonormalise(ut, j, n, row);
    }
  }
  return { u: transpose(ut, n, n), s, v: V };
}

// Makes row (row j of m) orthogonal to rows 0..j-1 (two passes) and unit length; false if it collapses.
function orthonormalise(m: Float64Array, j: number, n: number, row: Float64Array): boolean {
  let before = 0;
  for (let k = 0; k < n; k++) before += row[k]! ** 2;
  if (!(before > 0)) return false;
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < j; i++) {
      const o = i * n;
      let dot = 0;
      for (let k = 0; k < n; k++) dot += m[o + k]! * row[k]!;
      for (let k = 0; k < n; k++) row[k] = row[k]! - dot * m[o + k]!;
    }
  }
  let after = 0;
  for (let k = 0; k < n; k++) after += row[k]! ** 2;
  if (!(after > before * 1e-20)) return false;
  const inv = 1 / Math.sqrt(after);
  for (let k = 0; k < n; k++) row[k] = row[k]! * inv;
  return true;
}

/**
 * Orthogonal Procrustes from the cross matrix M = X^T Y (d x d): the orthogonal R minimising ||X R - Y||_F is
 * R = U V^T where M = U S V^T.
 */
export function procrustes(xty: Num, d: number): Matrix {
  const { u, v } = svd(xty, d);
  return matmulNT(u, v, d, d, d);
}

/** Orthogonal Procrustes from the data: argmin over orthogonal R of ||X R - Y||_F, X and Y n x d. */
export function procrustesFromData(x: Num, y: Num, n: number, d: number): Matrix {
  return procrustes(matmulTN(x, y, n, d, d), d);
}

/** A random orthogonal matrix (n x n; Gram-Schmidt of a Gaussian matrix) from a uniform [0,1) source. */
export function randomOrthogonal(n: number, rand: () => number): Matrix {
  checkDim('randomOrthogonal', n);
  const m = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const row = m.subarray(j * n, j * n + n);
    do {
      for (let k = 0; k < n; k++) {
        const u = Math.max(rand(), 1e-300), v = rand();
        row[k] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
      }
    } while (!orthonormalise(m, j, n, row));
  }
  return m;
}
