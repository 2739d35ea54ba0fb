// Input checks of the index's and the trainers' entry points: each failure names the problem, before any work.

export type VectorInput = Float32Array | Float64Array | number[][];

/** Turns the caller's vectors into one contiguous Float32Array of n x dim, checking shape and finiteness. */
export function toMatrix(input: VectorInput, dim: number, what: string): { data: Float32Array; n: number } {
  let data: Float32Array;
  if (Array.isArray(input)) {
    data = new Float32Array(input.length * dim);
    input.forEach((row, i) => {
      if (!row || row.length !== dim) throw new Error(`${what}: row ${i} has ${row?.length ?? 0} values, expected dimension ${dim}`);
      data.set(row, i * dim);
    });
  } else if (input instanceof Float32Array) {
    data = input;
  } else if (input instanceof Float64Array) {
    data = Float32Array.from(input);
  } else {
    throw new Error(`${what}: expected a Float32Array (n x ${dim}, row-major) or an array of rows`);
  }
  if (data.length % dim !== 0) {
    throw new Error(`${what}: ${data.length} values is not a whole number of ${dim}-dimensional vectors (wrong dimension?)`);
  }
  const n = data.length / dim;
  if (n === 0) throw new Error(`${what}: the set is empty`);
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (!Number.isFinite(v)) throw new Error(`${what}: row ${Math.floor(i / dim)} column ${i % dim} is ${v} (NaN or Infinity)`);
  }
  return { data, n };
}

/** The ids of n new vectors: the given ones (non-negative int32 each), or start, start + 1, ... */
export function toIds(ids: ArrayLike<number> | undefined, n: number, start: number, what: string): Int32Array {
  const out = new Int32Array(n);
  if (ids) {
    if (ids.length !== n) throw new Error(`${what}: ${ids.length} ids given for ${n} vectors`);
    for (let i = 0; i < n; i++) {
      const v = ids[i]!;
      if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw new Error(`${what}: id ${v} at position ${i} is not a non-negative 32-bit integer`);
      out[i] = v;
    }
  } else {
    if (start + n > 0x7fffffff) throw new Error(`${what}: more than 2^31 vectors`);
    for (let i = 0; i < n; i++) out[i] = start + i;
  }
  return out;
}
