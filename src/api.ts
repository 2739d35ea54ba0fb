// The public API shared by the Node entry (src/index.ts) and the browser entry (src/browser.ts): everything
// here is browser-safe. The entries add createEngine (Dawn in Node, navigator.gpu in browsers) and, in Node,
// file access.
export * from './pipeline/index.js';
// the file data model and formats
export { ntotal, validateIvfPq, INDEX_LIMITS, VALUE_LIMITS, type IvfPqData, type RefineData } from './io/ivfpq-data.js';
export { DVQ_MAGIC, DVQ_VERSION, DVQ_VERSION_REFINE, DVQ_HEADER_BYTES, DVQ_FLAG_ROTATION, DVQ_FLAG_REFINE, crc32, readDvqHeader, toBytes, fromBytes, type DvqHeader } from './io/dvq-format.js';
export { toFaissBytes, fromFaissBytes, type FaissWriteOptions } from './io/faiss-format.js';
export { parseIndexBytes, DEFAULT_MAX_BYTES, type LoadOptions, type IndexFormat } from './io/index-source.js';
export { FETCH_DEFAULTS } from './io/fetch-bytes.js';
export { mergeIvfPq, quantizerDifference, checkDisjointIds, type MergeOptions, type Quantizers } from './io/merge.js';
export * from './io/vectors.js';
export * from './io/demo-data.js';
export * from './kernels/scores.js';
export * from './kernels/topk.js';
export * from './kernels/adc.js';
export { assignNearest } from './kernels/kmeans.js';
export * from './quantizers/clustering.js';
export * from './kernels/pq.js';
export * from './kernels/residuals.js';
export * from './kernels/probes.js';
export * from './kernels/lists-merge.js';
// several kernel modules re-export the same buffer-or-slice type; name it once here
export type { Buf } from './kernels/row-chunks.js';
export type { Metric } from './quantizers/metric.js';
export { codeSize } from './quantizers/product.js';
export { refineBytesPerVector, REFINE_KINDS, type RefineKind } from './quantizers/scalar.js';
// the index (with Distill-VQ), exact search, metrics, progress lines
export { IvfPqIndex } from './api/ivfpq-index.js';
export { OpenedIvfPqIndex, DEFAULT_CACHE_BYTES, DEFAULT_GAP_BYTES, type OpenOptions, type LazyStats } from './index/lazy-index.js';
export { openUrlRange, type RangeReader, type RangeStats, type UrlRangeOptions } from './io/range-reader.js';
export type { IvfPqOptions, SearchOptions, ReencodeOptions, IvfPqParameters, ParameterView, IndexSource } from './index/ivfpq.js';
export { checkIndexOptions, checkSearchOptions, MAX_K } from './index/validate.js';
export { trainSampleSize, type TrainOptions } from './index/train.js';
export type { SearchResult } from './index/search.js';
export { DISTILL_DEFAULTS, checkDistillOptions, startDefaults, type DistillOptions, type DistillReport, type DistillLoss, type DistillStart } from './training/distill/options.js';
export { exactSearch, type ExactResult } from './index/exact.js';
export { searchShards, mergeShardResults, listOfData, type ListOf } from './index/shard-search.js';
export * from './index/metrics.js';
export { ProgressMeter, formatProgress, type Progress, type LongWorkOptions } from './util/progress.js';
// autograd (tensors, tape, ops, losses, optimizers) for training in the page
export * from './autograd/index.js';
// kernel benchmarks (the demo's Benchmarks tab)
export { benchKernels, selectCases, kernelCases, probeCases, type BenchKernelsOptions, type KernelBenchResult, type KernelBenchReport,
  type KernelCaseResult, type KernelTimingPart, type KernelCase, type Work, type Roofline, type Bound } from './bench/kernels.js';
export { formatKernelTable, formatKernelMarkdown, throughput, boundShareText } from './bench/kernel-table.js';
export { mulberry32, shuffled, sampleDistinct, type Rand } from './util/random.js';
export { DvqError, InputError, UsageError, FileError, DvqFormatError, FaissFormatError, type DvqErrorCode } from './util/errors.js';
