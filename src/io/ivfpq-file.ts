// Node file access for .dvq index files: atomic save (temp file in the same folder, fsync, rename) and a loader
// that checks the header against the file size before reading the file.
import { open } from 'node:fs/promises';
import { toBytes, fromBytes, readDvqHeader, DVQ_HEADER_BYTES } from './dvq-format.js';
import type { IvfPqData } from './ivfpq-data.js';
import { writeFileAtomic } from './vectors-node.js';

/** Writes `data` as a .dvq file atomically (a crash leaves either the old file or the new one). */
export async function saveIvfPq(path: string, data: IvfPqData): Promise<void> {
  await writeFileAtomic(path, toBytes(data));
}

/** Reads and fully checks a .dvq file; errors name the file and the problem. */
export async function loadIvfPq(path: string): Promise<IvfPqData> {
  const fh = await open(path, 'r');
  let bytes: Uint8Array;
  try {
    const size = (await fh.stat()).size;
    const head = new Uint8Array(Math.min(size, DVQ_HEADER_BYTES));
    await readFully(fh, head, 0);
    try {
      readDvqHeader(head, size); // rejects bad headers and wrong sizes before the file is read whole
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
    bytes = new Uint8Array(size);
    await readFully(fh, bytes, 0);
  } finally {
    await fh.close();
  }
  try {
    return fromBytes(bytes);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

async function readFully(fh: import('node:fs/promises').FileHandle, buf: Uint8Array, pos: number): Promise<void> {
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, pos + got);
    if (bytesRead === 0) throw new Error(`unexpected end of file after ${pos + got} bytes`);
    got += bytesRead;
  }
}
