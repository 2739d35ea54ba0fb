// Node file access for vector sets: streams files in chunks through a file handle (only the output array is
// held whole), concatenates part files in order, and validates (dims, element type, truncation, NaN/Infinity).
// Writes are atomic (writeFileAtomic). File-system failures are FileErrors naming the path; bad contents InputErrors.
import { open, rename, unlink, lstat, readlink, stat, readdir, constants, type FileHandle } from 'node:fs/promises';
import { openRegularFile } from './file-source.js';
import { basename, dirname, join, resolve } from 'node:path';
import {
  describeLayout, decodeRows, encodeFvecs, encodeIvecs, HEADER_PROBE_BYTES,
  type VectorLayout, type VectorSet,
} from './vectors.js';
import { FileError, InputError, fileError } from '../util/errors.js';

export interface ReadVectorsOptions {
  /** required for raw .f32/.i32 files; for other formats it must match the file */
  dim?: number;
  /** read chunk size in bytes (default 4 MiB; rounded down to whole rows, at least one row) */
  chunkBytes?: number;
}

/** Reads exactly `len` bytes at file position `pos` into `buf` (a short file is an InputError naming `what`). */
export async function readFully(fh: FileHandle, path: string, buf: Uint8Array, len: number, pos: number, what: string): Promise<void> {
  let got = 0;
  while (got < len) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await fh.read(buf, got, len - got, pos + got));
    } catch (e) {
      throw fileError(e, path, 'read');
    }
    if (bytesRead === 0) throw new InputError(`${path}: unexpected end of file ${what} (the file shrank while being read)`);
    got += bytesRead;
  }
}

async function layoutOf(path: string, dim: number | undefined, want: 'float' | 'int'): Promise<VectorLayout> {
  const { fh, size } = await openRegularFile(path);
  try {
    const head = new Uint8Array(Math.min(size, HEADER_PROBE_BYTES));
    await readFully(fh, path, head, head.length, 0, 'in the header');
    return describeLayout(path, head, size, dim, want);
  } finally {
    await fh.close();
  }
}

/**
 * The layouts of part files read as one set: the same dim throughout and the element type that is wanted. Nothing
 * but the headers is read; the set may be larger than one typed array (streaming readers take it in chunks).
 */
export async function describeParts(
  paths: string[], opts: ReadVectorsOptions, want: 'float' | 'int',
): Promise<{ layouts: VectorLayout[]; n: number; dim: number }> {
  if (!Array.isArray(paths) || paths.length === 0) throw new InputError('readVectors: no files given');
  const layouts: VectorLayout[] = [];
  let dim = opts.dim;
  let n = 0;
  for (const p of paths) {
    const l = await layoutOf(p, dim, want);
    if (dim !== undefined && l.dim !== dim) throw new InputError(`${p}: dimension ${l.dim} differs from ${dim} of the previous parts`);
    dim = l.dim;
    layouts.push(l);
    n += l.n;
  }
  return { layouts, n, dim: dim! };
}

/**
 * The shape of a vector set from the headers of its part files alone (nothing else is read): rows, dimension and
 * the same checks as readVectors makes before reading (formats, dims across parts, element type, sizes).
 */
export async function vectorSetShape(paths: string | string[], opts: ReadVectorsOptions = {}, want: 'float' | 'int' = 'float'): Promise<{ n: number; dim: number }> {
  const { n, dim } = await describeParts(typeof paths === 'string' ? [paths] : paths, opts, want);
  return { n, dim };
}

/**
 * Reads rows [first, first + rows) of one vector file (open as `fh`, laid out as `layout`) through `buf` (at least
 * rows x rowBytes bytes) and decodes them into `out` from row `outRow`, checking dims and values (decodeRows).
 */
export async function readRowRange(
  fh: FileHandle, path: string, layout: VectorLayout, first: number, rows: number, buf: Uint8Array,
  out: Float32Array | Int32Array, outRow: number,
): Promise<void> {
  await readFully(fh, path, buf, rows * layout.rowBytes, layout.dataOffset + first * layout.rowBytes, `at row ${first}`);
  decodeRows(path, layout, buf, rows, first, out, outRow);
}

/** Refuses a part file whose size differs from the one its layout was worked out from. */
export function checkUnchanged(path: string, layout: VectorLayout, size: number): void {
  if (size !== layout.dataOffset + layout.n * layout.rowBytes) throw new InputError(`${path}: file changed size while being read`);
}

async function readInto<T extends Float32Array | Int32Array>(
  paths: string[], opts: ReadVectorsOptions, make: (len: number) => T, want: 'float' | 'int',
): Promise<VectorSet<T>> {
  const { layouts, n, dim } = await describeParts(paths, opts, want);
  if (n * dim > 2 ** 31 - 1) {
    throw new InputError(`readVectors: ${n} x ${dim} values is too many for one typed array; read it in chunks with vectorChunks, or a training sample with sampleVectors`);
  }
  const out = make(n * dim);
  let row = 0;
  for (let f = 0; f < paths.length; f++) {
    const p = paths[f]!, l = layouts[f]!;
    const rowsPerChunk = Math.max(1, Math.floor((opts.chunkBytes ?? 4 << 20) / l.rowBytes));
    const buf = new Uint8Array(Math.min(rowsPerChunk, Math.max(l.n, 1)) * l.rowBytes);
    const { fh, size } = await openRegularFile(p);
    try {
      checkUnchanged(p, l, size);
      for (let r = 0; r < l.n; r += rowsPerChunk) {
        await readRowRange(fh, p, l, r, Math.min(rowsPerChunk, l.n - r), buf, out, row + r);
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
 * '<f4'/'|u1', .fbin, raw .f32 with opts.dim). Rejects int32 files (.ivecs, .npy '<i4', .ibin, .i32), inconsistent
 * dims, truncated files, dim mismatches across parts and NaN/Infinity values, naming the file and row; a directory,
 * FIFO or other non-regular file is refused without reading it.
 */
export function readVectors(paths: string | string[], opts: ReadVectorsOptions = {}): Promise<VectorSet<Float32Array>> {
  return readInto(typeof paths === 'string' ? [paths] : paths, opts, (len) => new Float32Array(len), 'float');
}

/** Reads an int32 vector set (ground truth, ids): .ivecs, .npy '<i4', .ibin, raw .i32 with opts.dim. */
export function readIntVectors(paths: string | string[], opts: ReadVectorsOptions = {}): Promise<VectorSet<Int32Array>> {
  return readInto(typeof paths === 'string' ? [paths] : paths, opts, (len) => new Int32Array(len), 'int');
}

/**
 * The file a write to `path` lands in: `path` itself, or, when it is a symbolic link (even a dangling one), the
 * file the chain of links points to, so the link stays a link and its target gets the new contents.
 */
async function writeTarget(path: string): Promise<string> {
  let p = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let isLink: boolean;
    try {
      isLink = (await lstat(p)).isSymbolicLink();
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return p;
      throw fileError(e, path, 'write');
    }
    if (!isLink) return p;
    p = resolve(dirname(p), await readlink(p));
  }
  throw new FileError(path, 'ELOOP', `${path}: cannot write: too many levels of symbolic links (ELOOP)`);
}

/** Temp files of a target are `.<name>.<pid>.<random>.tmp` in its folder (long names are cut to stay valid). */
function tempPrefix(target: string): string {
  const name = basename(target);
  return `.${name.length > 128 ? name.slice(0, 128) : name}.`;
}
const TEMP_RE = /^(\d+)\.[0-9a-z]+\.tmp$/;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM'; // alive, owned by another user
  }
}

/**
 * Removes the temp files that writes to `target` left behind when their process died (kill -9, power loss):
 * those whose pid is not a live process. Temp files of live processes, this one included, are kept.
 */
async function removeStaleTemps(target: string): Promise<void> {
  const dir = dirname(target), prefix = tempPrefix(target);
  let names: string[];
  try { names = await readdir(dir); } catch { return; }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const m = TEMP_RE.exec(name.slice(prefix.length));
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || processAlive(pid)) continue;
    await unlink(join(dir, name)).catch(() => undefined);
  }
}

/**
 * Writes bytes to `path` atomically: to a temp file `.<name>.<pid>.<random>.tmp` in the same folder, fsync, then
 * rename over the target, so a reader sees the old file or the new one, never a part. `parts` may be a generator so
 * large outputs are encoded piece by piece. An existing file keeps its permission bits (and, where allowed, its
 * owner); a symbolic link is written through (its target changes, the link stays). An existing target that is not a
 * regular file (a directory, FIFO or device) is refused. Temp files of earlier writes to the same target whose
 * process has died are removed first.
 */
export async function writeFileAtomic(path: string, parts: Uint8Array | Iterable<Uint8Array>): Promise<void> {
  const target = await writeTarget(path);
  let old: import('node:fs').Stats | null = null;
  try {
    old = await stat(target);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') throw fileError(e, path, 'write');
  }
  if (old && !old.isFile()) {
    throw new FileError(path, old.isDirectory() ? 'EISDIR' : 'ENOTREG', `${path}: cannot write: ${old.isDirectory() ? 'is a directory' : 'not a regular file'}${target !== resolve(path) ? ` (${target})` : ''}`);
  }
  await removeStaleTemps(target);
  const tmp = join(dirname(target), `${tempPrefix(target)}${process.pid}.${Math.random().toString(36).slice(2, 10) || '0'}.tmp`);
  let fh: FileHandle;
  try {
    fh = await open(tmp, 'wx', old ? old.mode & 0o7777 : 0o666);
  } catch (e) {
    throw fileError(e, path, `write (temp file ${tmp})`);
  }
  try {
    if (old) {
      await fh.chmod(old.mode & 0o7777); // the creation mode is masked by the umask; the old file's is not
      if (old.uid !== process.getuid?.() || old.gid !== process.getgid?.()) await fh.chown(old.uid, old.gid).catch(() => undefined);
    }
    for (const p of parts instanceof Uint8Array ? [parts] : parts) {
      let off = 0;
      while (off < p.byteLength) {
        const { bytesWritten } = await fh.write(p, off, p.byteLength - off);
        off += bytesWritten;
      }
    }
    await fh.sync();
    await fh.close();
    await rename(tmp, target);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw fileError(e, path, 'write');
  }
  // make the rename itself durable (best effort: not every platform can fsync a folder)
  try {
    const d = await open(dirname(target), 'r');
    try { await d.sync(); } finally { await d.close(); }
  } catch { /* durability of the folder entry only */ }
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
