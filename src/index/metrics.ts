// Retrieval metrics against exact search (the teacher): how much of the exact top-k the index returns.

/** Mean over queries of |found[:k] ∩ truth[:k]| / k. `found` rows have foundStride ids, `truth` rows truthStride. */
export function recallAtK(found: Int32Array, foundStride: number, truth: Int32Array, truthStride: number, nq: number, k: number): number {
  if (k > foundStride || k > truthStride) throw new Error(`recall@${k}: needs ${k} results per query (have ${foundStride} found, ${truthStride} truth)`);
  let hits = 0;
  const set = new Set<number>();
  for (let q = 0; q < nq; q++) {
    set.clear();
    for (let i = 0; i < k; i++) set.add(truth[q * truthStride + i]!);
    for (let i = 0; i < k; i++) if (set.has(found[q * foundStride + i]!)) hits++;
  }
  return nq > 0 ? hits / (nq * k) : 0;
}

/** Fraction of queries whose exact top-1 appears in the first k results. */
export function top1InTopK(found: Int32Array, foundStride: number, truth: Int32Array, truthStride: number, nq: number, k: number): number {
  let hits = 0;
  for (let q = 0; q < nq; q++) {
    const t = truth[q * truthStride]!;
    for (let i = 0; i < k; i++) if (found[q * foundStride + i] === t) { hits++; break; }
  }
  return nq > 0 ? hits / nq : 0;
}
