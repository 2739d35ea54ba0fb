// Node: opening files for reading (regular files only) and reading index files in pieces. A FIFO, socket or device
// is refused at once (the open does not block), file-system failures are FileErrors naming the path, and an
// index file is read piece by piece into its format's reader (index-source.ts), which checks the header against
// the file's size before it allocates anything and stops at the first invalid field.
import { open, constants, type FileHandle } from 'node:fs/promises';
import { FileError, fileError } from '../util/errors.js';
import type { IvfPqData } from './ivfpq-data.js';
import { readIndexSource, type IndexFormat, type LoadOptions } from './index-source.js';
import type { ChunkSource } from './byte-queue.js';

/** Bytes read from an index file at a time. */
const PIECE_BYTES = 1 << 20;

/**
 * Opens a file for reading and checks that it is a regular file. The open does not block on a FIFO (O_NONBLOCK),
 * so a named pipe or a device is refused at once instead of waiting forever for a writer.
 */
export async function openRegularFile(path: string): Promise<{ fh: FileHandle; size: number }> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw fileError(e, path, 'read');
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new FileError(path, 'EISDIR', `${path}: cannot read: is a directory (EISDIR)`);
    if (!st.isFile()) throw new FileError(path, 'ENOTREG', `${path}: cannot read: not a regular file (a FIFO, socket or device)`);
    return { fh, size: st.size };
  } catch (e) {
    await fh.close().catch(() => undefined);
    throw fileError(e, path, 'read');
  }
}

/** The file's bytes from offset 0 to `size`, in pieces of at most `pieceBytes` (each a new array). */
export function fileChunks(fh: FileHandle, path: string, size: number, pieceBytes = PIECE_BYTES): ChunkSource {
  let pos = 0;
  return {
    async next() {
      if (pos >= size) return null;
      const buf = new Uint8Array(Math.min(pieceBytes, size - pos));
      let bytesRead: number;
      try {
        ({ bytesRead } = await fh.read(buf, 0, buf.length, pos));
      } catch (e) {
        throw fileError(e, path, 'read');
      }
      if (bytesRead === 0) return null; // the file shrank: the reader reports it as truncated
      pos += bytesRead;
      return buf.subarray(0, bytesRead);
    },
  };
}

/**
 * Reads an index file, .dvq or Faiss (told apart by the first bytes unless `format` says which), in pieces.
 * Throws a FileError for file-system problems or a file over maxBytes, a DvqFormatError / FaissFormatError for
 * malformed contents, every message starting with the path.
 */
export async function readIndexFile(path: string, opts: Pick<LoadOptions, 'signal' | 'maxBytes'> & { format?: IndexFormat } = {}): Promise<IvfPqData> {
  const { fh, size } = await openRegularFile(path);
  try {
    return await readIndexSource(path, fileChunks(fh, path, size), { ...opts, length: size });
  } finally {
    await fh.close();
  }
}
