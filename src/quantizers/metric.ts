// The similarity an index ranks by (Faiss MetricType): 'ip' = inner product (larger is better), 'l2' = squared
// Euclidean distance (smaller is better). Kernels take it as a code: 0 = ip, 1 = l2.
import type { MetricCode } from '../kernels/scores.js';

export type Metric = 'ip' | 'l2';

export function metricCode(metric: Metric): MetricCode {
  return metric === 'ip' ? 0 : 1;
}
