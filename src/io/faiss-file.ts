// Node file access for Faiss IndexIVFPQ files.
import { readFile } from 'node:fs/promises';
import { toFaissBytes, fromFaissBytes, type FaissWriteOptions } from './faiss-format.js';
import type { IvfPqData } from './ivfpq-data.js';
import { writeFileAtomic } from './vectors-node.js';

/** Writes `data` as a Faiss index file (readable by faiss.read_index), atomically. */
export async function saveFaissIndex(path: string, data: IvfPqData, opts: FaissWriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, toFaissBytes(data, opts));
}

/** Reads a Faiss IndexIVFPQ file (optionally wrapped in an IndexPreTransform with one rotation). */
export async function loadFaissIndex(path: string): Promise<IvfPqData> {
  const bytes = new Uint8Array(await readFile(path));
  try {
    return fromFaissBytes(bytes);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}
