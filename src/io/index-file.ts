// Node file access for index data of either kind: .dvq files or Faiss IndexIVFPQ files, told apart by their first
// bytes and read in pieces (file-source.ts). Saving is atomic. IvfPqIndex.save/load import this module through a
// URL bundlers do not follow, so the browser bundle never holds it.
import { saveIvfPq } from './ivfpq-file.js';
import { readIndexFile } from './file-source.js';
import type { IvfPqData } from './ivfpq-data.js';
import type { LoadOptions } from './index-source.js';

/** Reads a .dvq index file, or a Faiss IndexIVFPQ file (recognised by its header), into plain data. */
export function readIndexData(path: string, opts: Pick<LoadOptions, 'signal' | 'maxBytes'> = {}): Promise<IvfPqData> {
  return readIndexFile(path, opts);
}

/** Writes index data as a .dvq file: to a temporary file in the same folder, then renamed over the target. */
export const writeIndexData: (path: string, data: IvfPqData) => Promise<void> = saveIvfPq;
