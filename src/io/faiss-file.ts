// Node file access for Faiss IndexIVFPQ files.
import { toFaissBytes, type FaissWriteOptions } from './faiss-format.js';
import type { IvfPqData } from './ivfpq-data.js';
import { writeFileAtomic } from './vectors-node.js';
import { readIndexFile } from './file-source.js';
import type { LoadOptions } from './index-source.js';

/** Writes `data` as a Faiss index file (readable by faiss.read_index), atomically. */
export async function saveFaissIndex(path: string, data: IvfPqData, opts: FaissWriteOptions = {}): Promise<void> {
  await writeFileAtomic(path, toFaissBytes(data, opts));
}

/**
 * Reads a Faiss IndexIVFPQ file (optionally wrapped in an IndexPreTransform with one rotation), in pieces. Errors
 * start with the path: FileError (missing, not a regular file, over maxBytes), FaissFormatError (malformed).
 */
export function loadFaissIndex(path: string, opts: Pick<LoadOptions, 'signal' | 'maxBytes'> = {}): Promise<IvfPqData> {
  return readIndexFile(path, { ...opts, format: 'faiss' });
}
