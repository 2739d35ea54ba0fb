// The similarity an index ranks by (Faiss MetricType): 'ip' = inner product (larger is better), 'l2' = squared
// Euclidean distance (smaller is better). Kernels take it as a code: 0 = ip, 1 = l2.
import type { MetricCode } from '../kernels/scores.js';

export type Metric = 'ip' | 'l2';

export function metricCode(metric: Metric): MetricCode {
  return metric === 'ip' ? 0 : 1;
}

/** Throws unless `metric` is 'ip' or 'l2'. */
export function checkMetric(metric: unknown): Metric {
  if (metric !== 'ip' && metric !== 'l2') throw new Error(`metric must be 'ip' or 'l2', got '${String(metric)}'`);
  return metric;
}
