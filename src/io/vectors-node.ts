// Node file access for vector sets: streams files in chunks through a file handle (only the output array is
// held whole), concatenates part files in order, and validates (dims, truncation, NaN/Infinity).
import { open, rename, unlink } from 'node:fs/promises';
import {
  describeLayout, decodeRows, encodeFvecs, encodeIvecs, HEADER_PROBE_BYTES,
  type VectorLayout, type VectorSet,
} from './vectors.js';

export interface ReadVectorsOptions {
  /** required for raw .f32/.i32 files; for other formats it must match the file */
  dim?: number;
  /** read chunk size in bytes (default 4 MiB; rounded down to whole rows, at least one row) */
  chunkBytes?: number;
}

async function layoutOf(path: string, dim: number | undefined): Promise<VectorLayout> {
  const fh = await open(path, 'r');
  try {
    const size = (await fh.stat()).size;
    const head = new Uint8Array(Math.min(size, HEADER_PROBE_BYTES));
    const { bytesRead } = await fh.read(head, 0, head.length, 0);
    if (bytesRead !== head.length) throw new Error(`${path}: short read of the header (${bytesRead} of ${head.length} bytes)`);
    return describeLayout(path, head, size, dim);
  } finally {
    await fh.close();
  }
}

async function readInto<T extends Float32Array | Int32Array>(
  paths: string[], opts: ReadVectorsOptions, make: (len: number) => T,
): Promise<VectorSet<T>> {
  if (!Array.isArray(paths) || paths.length === 0) throw new Error('readVectors: no files given');
  const layouts: VectorLayout[] = [];
  let dim = opts.dim;
  let n = 0;
  for (const p of paths) {
    const l = await layoutOf(p, dim);
    if (dim !== undefined && l.dim !== dim) throw new Error(`${p}: dimension ${l.dim} differs from ${dim} of the previous parts`);
    dim = l.dim;
    layouts.push(l);
    n += l.n;
  }
  if (n * dim! > 2 ** 31 - 1) throw new Error(`readVectors: ${n} x ${dim} values is too many for one typed array`);
  const out = make(n * dim!);
  let row = 0;
  for (let f = 0; f < paths.length; f++) {
    const p = paths[f]!, l = layouts[f]!;
    const rowsPerChunk = Math.max(1, Math.floor((opts.chunkBytes ?? 4 << 20) / l.rowBytes));
    const buf = new Uint8Array(Math.min(rowsPerChunk, Math.max(l.n, 1)) * l.rowBytes);
    const fh = await open(p, 'r');
    try {
      const size = (await fh.stat()).size;
      if (size !== l.dataOffset + l.n * l.rowBytes) throw new Error(`${p}: file changed size while being read`);
      for (let r = 0; r < l.n; r += rowsPerChunk) {
        const rows = Math.min(rowsPerChunk, l.n - r);
        const want = rows * l.rowBytes;
        let got = 0;
        while (got < want) {
          const { bytesRead } = await fh.read(buf, got, want - got, l.dataOffset + r * l.rowBytes + got);
          if (bytesRead === 0) throw new Error(`${p}: unexpected end of file at row ${r} (truncated while reading)`);
          got += bytesRead;
        }
        decodeRows(p, l, buf, rows, r, out, row + r);
      }
    } finally {
      await fh.close();
    }
    row += l.n;
  }
  return { data: out, n, dim: dim! };
}

/**
 * Reads a float vector set from one file or several part files concatenated in order (.fvecs, .bvecs, .npy
 * '<f4'/'|u1', .fbin, raw .f32 with opts.dim). Rejects inconsistent dims, truncated files, dim mismatches across
 * parts and NaN/Infinity values, naming the file and row.
 */
export function readVectors(paths: string | string[], opts: ReadVectorsOptions = {}): Promise<VectorSet<Float32Array>> {
  return readInto(typeof paths === 'string' ? [paths] : paths, opts, (len) => new Float32Array(len));
}

/** Reads an int32 vector set (ground truth, ids): .ivecs, .npy '<i4', .ibin, raw .i32 with opts.dim. */
export function readIntVectors(paths: string | string[], opts: ReadVectorsOptions = {}): Promise<VectorSet<Int32Array>> {
  return readInto(typeof paths === 'string' ? [paths] : paths, opts, (len) => new Int32Array(len));
}

/** Writes bytes to `path` atomically: a temp file in the same folder, fsync, then rename over the target. */
/** `parts` may be a generator so large outputs are encoded piece by piece. */
export async function writeFileAtomic(path: string, parts: Uint8Array | Iterable<Uint8Array>): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const fh = await open(tmp, 'wx');
  try {
    for (const p of parts instanceof Uint8Array ? [parts] : parts) {
      let off = 0;
      while (off < p.byteLength) {
        const { bytesWritten } = await fh.write(p, off, p.byteLength - off);
        off += bytesWritten;
      }
    }
    await fh.sync();
    await fh.close();
    await rename(tmp, path);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}

const WRITE_ROWS = 8192;
async function writeVecs(path: string, data: Float32Array | Int32Array, dim: number, what: string): Promise<void> {
  if (!Number.isInteger(dim) || dim < 1) throw new Error(`${what}: invalid dim ${dim}`);
  if (data.length % dim !== 0) throw new Error(`${what}: data length ${data.length} is not a multiple of dim ${dim}`);
  const n = data.length / dim;
  function* parts(): Generator<Uint8Array> {
    for (let r = 0; r < n; r += WRITE_ROWS) {
      const sub = data.subarray(r * dim, Math.min(n, r + WRITE_ROWS) * dim);
      yield data instanceof Float32Array ? encodeFvecs(sub as Float32Array, dim) : encodeIvecs(sub as Int32Array, dim);
    }
  }
  await writeFileAtomic(path, parts());
}

/** Writes float32 rows (n x dim, row-major) as .fvecs. */
export function writeFvecs(path: string, data: Float32Array, dim: number): Promise<void> {
  return writeVecs(path, data, dim, `writeFvecs ${path}`);
}

/** Writes int32 rows (n x dim, row-major) as .ivecs. */
export function writeIvecs(path: string, data: Int32Array, dim: number): Promise<void> {
  return writeVecs(path, data, dim, `writeIvecs ${path}`);
}
