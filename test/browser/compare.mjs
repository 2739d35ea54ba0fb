// Compares two search results (nq x k ids and scores, best first) for "the same ids, ties aside": the GPU
// backends (Dawn/lavapipe in Node, Chromium/SwiftShader in the page) may round a score differently in the
// last bits, which can swap two results whose scores are (nearly) equal, or swap which of two tied entries
// makes the cut at rank k. Anything else is a mismatch.

/**
 * Returns { ranks, identical, tieSwaps, mismatches: string[] }.
 * - an id found by both must have the same score within `eps` (relative to the score's magnitude, at least eps);
 * - a rank where the ids differ is a tie swap when both scores at that rank agree within eps and the id each
 *   side has there is, on the other side, either at a rank with a score within eps or (at the cut) missing with
 *   a score within eps of the k-th score;
 * - everything else is reported.
 */
export function compareResults(a, b, nq, k, eps = 1e-4) {
  const out = { ranks: nq * k, identical: 0, tieSwaps: 0, mismatches: [] };
  const close = (x, y) => Math.abs(x - y) <= eps * Math.max(1, Math.abs(x), Math.abs(y));
  for (let q = 0; q < nq; q++) {
    const o = q * k;
    const posA = new Map(), posB = new Map();
    for (let r = 0; r < k; r++) { posA.set(a.ids[o + r], r); posB.set(b.ids[o + r], r); }
    for (let r = 0; r < k; r++) {
      const ia = a.ids[o + r], ib = b.ids[o + r];
      if (ia === ib) {
        if (ia >= 0 && !close(a.scores[o + r], b.scores[o + r])) out.mismatches.push(`query ${q} rank ${r + 1}: id ${ia} scores ${a.scores[o + r]} vs ${b.scores[o + r]}`);
        else out.identical++;
        continue;
      }
      const ok = close(a.scores[o + r], b.scores[o + r])
        && (posB.has(ia) ? close(b.scores[o + posB.get(ia)], a.scores[o + r]) : close(a.scores[o + r], b.scores[o + k - 1]))
        && (posA.has(ib) ? close(a.scores[o + posA.get(ib)], b.scores[o + r]) : close(b.scores[o + r], a.scores[o + k - 1]));
      if (ok) out.tieSwaps++;
      else out.mismatches.push(`query ${q} rank ${r + 1}: id ${ia} (score ${a.scores[o + r]}) vs id ${ib} (score ${b.scores[o + r]})`);
    }
  }
  return out;
}
