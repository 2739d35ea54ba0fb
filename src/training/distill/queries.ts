// The training queries of Distill-VQ: the given ones and/or base documents as pseudo-queries, with validation
// queries held out from the given queries when there are some, else from the pseudo-queries.
// Row layout: [given (training) | pseudo-queries | given (validation)].
import { shuffled, type Rand } from '../../util/random.js';
import type { DistillSettings } from './options.js';

/** Marks a query that is no base document. */
export const NO_SELF = 0xffffffff;

export interface QuerySplit {
  /** nq x dim */
  queries: Float32Array;
  nq: number;
  /** rows 0 .. nTrain-1 train */
  nTrain: number;
  /** rows nTrain .. nq-1 validate */
  nVal: number;
  /** the base row of each pseudo-query (NO_SELF for the given queries); null without pseudo-queries */
  self: Uint32Array | null;
}

/** Lays out the queries; draws the pseudo-queries with `rand`. */
export function splitQueries(s: DistillSettings, dim: number, rand: Rand): QuerySplit {
  const { base, n, queries: real, pseudoQueries: np } = s;
  const nReal = real?.n ?? 0;
  const nq = nReal + np;
  const valPool = real ? nReal : np;
  const nVal = Math.max(0, Math.min(s.validationQueries, real && np > 0 ? nReal : valPool - 1));
  const nTrain = nq - nVal;
  if (nTrain < 1) throw new Error('distill: no training queries left after the validation split');
  const queries = new Float32Array(nq * dim);
  const self = np > 0 ? new Uint32Array(nq).fill(NO_SELF) : null;
  if (real) {
    const nRealTrain = nReal - nVal;
    queries.set(real.data.subarray(0, nRealTrain * dim), 0);
    queries.set(real.data.subarray(nRealTrain * dim, nReal * dim), (nq - nVal) * dim);
  }
  const pseudoAt = real ? nReal - nVal : 0;
  shuffled(n, rand).subarray(0, np).forEach((r, i) => {
    queries.set(base.subarray(r * dim, (r + 1) * dim), (pseudoAt + i) * dim);
    self![pseudoAt + i] = r;
  });
  return { queries, nq, nTrain, nVal, self };
}
