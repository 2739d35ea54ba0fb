// Node entry of distill-vq: createEngine on Dawn (the `webgpu` package), the whole browser-safe API, and
// file access (vector files, .dvq and Faiss index files, the demo set).
export { createEngine } from './node/create.js';
export * from './api.js';
export { readVectors, readIntVectors, writeFvecs, writeIvecs, writeFileAtomic, type ReadVectorsOptions } from './io/vectors-node.js';
export {
  vectorChunks, sampleVectors, countVectors, CHUNK_BYTES,
  type VectorChunk, type VectorChunkOptions, type VectorStreamOptions,
} from './io/vector-stream.js';
export { saveIvfPq, loadIvfPq } from './io/ivfpq-file.js';
export { saveFaissIndex, loadFaissIndex } from './io/faiss-file.js';
export { loadDemoData, demoDataDir } from './io/demo-data-node.js';
