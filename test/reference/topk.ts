// Float64 CPU reference of topk: per row the k best values (largest: descending, else ascending), ties to the
// lower column, NaN last, padded with index -1 and -Infinity / +Infinity; indexMap maps columns to ids.
export function topkRef(values: ArrayLike<number>, rows: number, n: number, k: number, largest: boolean,
  indexMap?: ArrayLike<number>): { values: Float64Array; indices: Int32Array } {
  const outV = new Float64Array(rows * k), outI = new Int32Array(rows * k);
  const cols = Array.from({ length: n }, (_, i) => i);
  for (let r = 0; r < rows; r++) {
    const v = (c: number) => values[r * n + c]!;
    const order = cols.slice().sort((a, b) => {
      const x = v(a), y = v(b);
      const xn = Number.isNaN(x), yn = Number.isNaN(y);
      if (xn || yn) return xn && yn ? a - b : xn ? 1 : -1;
      if (x !== y) return largest ? y - x : x - y;
      return a - b;
    });
    for (let i = 0; i < k; i++) {
      if (i < n) {
        const c = order[i]!;
        outV[r * k + i] = v(c);
        outI[r * k + i] = indexMap ? indexMap[c]! : c;
      } else {
        outV[r * k + i] = largest ? -Infinity : Infinity;
        outI[r * k + i] = -1;
      }
    }
  }
  return { values: outV, indices: outI };
}
