// Node: vector sets too large to hold whole. `vectorChunks` streams the rows of one file or several part files
// (concatenated in order) as fixed-size chunks, holding one chunk at a time; `sampleVectors` reads a seeded uniform
// sample of distinct rows with positioned reads; `countVectors` gives the shape from the headers and sizes alone.
// Layouts, decoding and validation are readVectors' own (vectors.ts, vectors-node.ts): the same formats, the same
// InputErrors (truncation, dims, element type, NaN/Infinity naming file and row) and FileErrors.
import type { FileHandle } from 'node:fs/promises';
import { openRegularFile } from './file-source.js';
import { describeParts, readFully, readRowRange, checkUnchanged } from './vectors-node.js';
import type { VectorLayout, VectorSet } from './vectors.js';
import { decodeRows } from './vectors.js';
import { mulberry32, sampleDistinct } from '../util/random.js';
import { throwIfAborted } from '../util/abort.js';
import { checkInt } from '../util/check.js';
import { InputError } from '../util/errors.js';

/** Rows of one chunk of a streamed vector set. */
export interface VectorChunk {
  /** n x dim, row-major; a new array for each chunk (it may be kept) */
  data: Float32Array;
  n: number;
  dim: number;
  /** index of the chunk's first row in the whole set (part files counted in order) */
  firstRow: number;
}

export interface VectorStreamOptions {
  /** required for raw .f32 files; for other formats it must match the files */
  dim?: number;
  /** cancels the read between chunks (an Error named AbortError) */
  signal?: AbortSignal;
}

export interface VectorChunkOptions extends VectorStreamOptions {
  /** rows per chunk (the last may have fewer); default: as many as fit in CHUNK_BYTES of float32, at least 1 */
  rowsPerChunk?: number;
}

/** The default size of a chunk's float32 data: 64 MiB. */
export const CHUNK_BYTES = 64 << 20;

/** Gaps between sampled rows up to this many bytes are read through rather than seeked over. */
const SAMPLE_GAP_BYTES = 64 << 10;
/** The largest single read of the sampler. */
const SAMPLE_READ_BYTES = 4 << 20;

const list = (paths: string | string[]): string[] => (typeof paths === 'string' ? [paths] : paths);

/**
 * The shape of a vector set from its part files' headers and sizes (no rows are read): total rows, dimension and
 * the rows of each part. Makes readVectors' checks of formats, element type, dims across parts and truncation.
 */
export async function countVectors(paths: string | string[], opts: Pick<VectorStreamOptions, 'dim'> = {}): Promise<{ n: number; dim: number; parts: number[] }> {
  const { layouts, n, dim } = await describeParts(list(paths), opts, 'float');
  return { n, dim, parts: layouts.map((l) => l.n) };
}

/**
 * Streams a float vector set (.fvecs, .bvecs, .npy '<f4'/'|u1', .fbin, raw .f32 with opts.dim; several part files
 * are one set, in order) as chunks of `rowsPerChunk` rows; a chunk may span part files. Every part's header and
 * size are checked before the first chunk (a truncated or inconsistent part fails at once, naming the file and
 * row); a row's dim prefix and values are checked as its chunk is read, so a bad row fails at its chunk, after
 * the chunks before it. Only one chunk (and one read buffer) is held at a time.
 */
export async function* vectorChunks(paths: string | string[], opts: VectorChunkOptions = {}): AsyncGenerator<VectorChunk, void, undefined> {
  const files = list(paths);
  const { layouts, n, dim } = await describeParts(files, opts, 'float');
  const rowsPerChunk = opts.rowsPerChunk === undefined
    ? Math.max(1, Math.floor(CHUNK_BYTES / (dim * 4)))
    : checkInt(opts.rowsPerChunk, 'vectorChunks: rowsPerChunk', 1);
  const maxRowBytes = Math.max(...layouts.map((l) => l.rowBytes));
  const buf = new Uint8Array(Math.min(rowsPerChunk, Math.max(n, 1)) * maxRowBytes);
  let f = 0, rowInFile = 0;
  let open: { fh: FileHandle; path: string; layout: VectorLayout } | null = null;
  try {
    for (let first = 0; first < n; first += rowsPerChunk) {
      throwIfAborted(opts.signal, 'reading vectors');
      const rows = Math.min(rowsPerChunk, n - first);
      const data = new Float32Array(rows * dim);
      for (let done = 0; done < rows;) {
        while (rowInFile >= layouts[f]!.n) { f++; rowInFile = 0; } // skips empty parts too
        if (open?.path !== files[f]) {
          await open?.fh.close();
          open = null;
          const { fh, size } = await openRegularFile(files[f]!);
          open = { fh, path: files[f]!, layout: layouts[f]! };
          checkUnchanged(open.path, open.layout, size);
        }
        const take = Math.min(rows - done, open.layout.n - rowInFile);
        await readRowRange(open.fh, open.path, open.layout, rowInFile, take, buf, data, done);
        done += take;
        rowInFile += take;
      }
      yield { data, n: rows, dim, firstRow: first };
    }
  } finally {
    await open?.fh.close();
  }
}

/**
 * Reads `count` distinct rows of a vector set, chosen uniformly at random from `seed` (sampleDistinct over
 * mulberry32(seed), the draw the index's train() makes when it samples), in the order drawn. Only the sampled rows
 * are read (positioned reads in file order, nearby rows in one read) and checked; `rows` gives their indices in
 * the whole set. Training on this sample is training on the whole set with the same seed, when `count` is the
 * number of rows train() would sample.
 */
export async function sampleVectors(
  paths: string | string[], count: number, seed: number, opts: VectorStreamOptions = {},
): Promise<VectorSet<Float32Array> & { rows: Uint32Array }> {
  const files = list(paths);
  const { layouts, n, dim } = await describeParts(files, opts, 'float');
  checkInt(count, 'sampleVectors: count', 0, n);
  checkInt(seed, 'sampleVectors: seed', 0, 2 ** 32 - 1);
  if (count * dim > 2 ** 31 - 1) throw new InputError(`sampleVectors: ${count} x ${dim} values is too many for one typed array`);
  const rows = sampleDistinct(n, count, mulberry32(seed));
  const order = Array.from(rows.keys()).sort((a, b) => rows[a]! - rows[b]!); // sample positions by row
  const out = new Float32Array(count * dim);
  const maxRowBytes = Math.max(...layouts.map((l) => l.rowBytes), 1);
  const buf = new Uint8Array(Math.max(SAMPLE_READ_BYTES, maxRowBytes));
  let i = 0, fileStart = 0;
  for (let f = 0; f < files.length && i < count; f++) {
    const l = layouts[f]!, path = files[f]!, fileEnd = fileStart + l.n;
    if (rows[order[i]!]! >= fileEnd) { fileStart = fileEnd; continue; }
    const { fh, size } = await openRegularFile(path);
    try {
      checkUnchanged(path, l, size);
      while (i < count && rows[order[i]!]! < fileEnd) {
        throwIfAborted(opts.signal, 'sampling vectors');
        // one read spans the sampled rows from order[i] on while the gaps are small and the span fits the buffer
        const r0 = rows[order[i]!]! - fileStart;
        let j = i + 1;
        while (j < count) {
          const r = rows[order[j]!]!;
          if (r >= fileEnd) break;
          const prev = rows[order[j - 1]!]! - fileStart;
          if ((r - fileStart - prev - 1) * l.rowBytes > SAMPLE_GAP_BYTES || (r - fileStart - r0 + 1) * l.rowBytes > buf.length) break;
          j++;
        }
        const span = rows[order[j - 1]!]! - fileStart - r0 + 1;
        await readFully(fh, path, buf, span * l.rowBytes, l.dataOffset + r0 * l.rowBytes, `at row ${r0}`);
        for (let s = i; s < j; s++) {
          const r = rows[order[s]!]! - fileStart - r0;
          decodeRows(path, l, buf.subarray(r * l.rowBytes, (r + 1) * l.rowBytes), 1, r0 + r, out, order[s]!);
        }
        i = j;
      }
    } finally {
      await fh.close();
    }
    fileStart = fileEnd;
  }
  return { data: out, n: count, dim, rows };
}
