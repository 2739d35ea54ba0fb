// Node file access for index data of either kind: .dvq files (ivfpq-file.ts) or Faiss IndexIVFPQ files
// (faiss-file.ts), told apart by their first bytes. Saving is atomic. IvfPqIndex.save/load import this module
// through a URL bundlers do not follow, so the browser bundle never holds it.
import { open } from 'node:fs/promises';
import { saveIvfPq, loadIvfPq } from './ivfpq-file.js';
import { loadFaissIndex } from './faiss-file.js';
import type { IvfPqData } from './ivfpq-data.js';

/** Reads a .dvq index file, or a Faiss IndexIVFPQ file (recognised by its header), into plain data. */
export async function readIndexData(path: string): Promise<IvfPqData> {
  const head = new Uint8Array(4);
  const fh = await open(path, 'r').catch((e: Error) => { throw new Error(`cannot read index file ${path}: ${e.message}`); });
  try { await fh.read(head, 0, 4, 0); } finally { await fh.close(); }
  const tag = String.fromCharCode(...head);
  return tag === 'IwPQ' || tag === 'IxPT' ? loadFaissIndex(path) : loadIvfPq(path);
}

/** Writes index data as a .dvq file: to a temporary file in the same folder, then renamed over the target. */
export const writeIndexData: (path: string, data: IvfPqData) => Promise<void> = saveIvfPq;
