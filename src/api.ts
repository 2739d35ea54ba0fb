// The public API shared by the Node entry (src/index.ts) and the browser entry (src/browser.ts): everything
// here is browser-safe. The entries add createEngine (Dawn in Node, navigator.gpu in browsers) and, in Node,
// file access.
export * from './pipeline/index.js';
export * from './ivfpq/types.js';
export * from './ivfpq/format.js';
export * from './io/vectors.js';
export * from './io/demo-data.js';
export * from './kernels/scores.js';
export * from './kernels/topk.js';
export * from './kernels/adc.js';
export { assignNearest } from './kernels/kmeans.js';
export * from './quantizers/clustering.js';
export * from './kernels/pq.js';
export * from './kernels/residuals.js';
// several kernel modules re-export the same buffer-or-slice type; name it once here
export type { Buf } from './kernels/row-chunks.js';
// the index, its training (k-means, OPQ, Distill-VQ), exact search, metrics, progress lines
export { IvfPqIndex, type IvfPqOptions, type TrainOptions, type SearchOptions } from './ivfpq/index.js';
export { DISTILL_DEFAULTS, type DistillOptions, type DistillReport, type DistillLoss } from './ivfpq/distill.js';
export { exactSearch, type ExactResult } from './ivfpq/exact.js';
export * from './ivfpq/metrics.js';
export { ProgressMeter, formatProgress, type Progress, type LongWorkOptions } from './util/progress.js';
// autograd (tensors, tape, ops, losses, optimizers) for training in the page
export * from './autograd/index.js';
// kernel benchmarks (the demo's Benchmarks tab)
export { benchKernels, selectCases, kernelCases, type BenchKernelsOptions, type KernelBenchResult, type KernelBenchReport,
  type KernelCaseResult, type KernelTimingPart, type KernelCase, type Work } from './bench/kernels.js';
export { formatKernelTable, formatKernelMarkdown, throughput } from './bench/kernel-table.js';
export { toFaissBytes, fromFaissBytes, type FaissWriteOptions } from './ivfpq/faiss.js';
export { mulberry32, shuffled, sampleDistinct, type Rand } from './util/random.js';
export { DvqError, InputError, UsageError, FileError, DvqFormatError, FaissFormatError, type DvqErrorCode } from './util/errors.js';
