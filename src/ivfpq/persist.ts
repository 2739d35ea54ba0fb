// Node file access for index data: .dvq files (and Faiss files by extension). Saving is atomic.
import { readFile } from 'node:fs/promises';
import { toBytes, fromBytes } from './format.js';
import { writeFileAtomic } from '../io/vectors-node.js';
import type { IvfPqData } from './types.js';

/** Reads a .dvq index file (or a Faiss IndexIVFPQ file, recognised by its header) into plain data. */
export async function readIndexData(path: string): Promise<IvfPqData> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (e) {
    throw new Error(`cannot read index file ${path}: ${(e as Error).message}`);
  }
  try {
    if (looksLikeFaiss(bytes)) {
      const { fromFaissBytes } = await import('./faiss.js');
      return fromFaissBytes(bytes);
    }
    return fromBytes(bytes);
  } catch (e) {
    throw new Error(`${path}: ${(e as Error).message}`);
  }
}

/** Writes index data as a .dvq file: to a temporary file in the same folder, then renamed over the target. */
export async function writeIndexData(path: string, data: IvfPqData): Promise<void> {
  await writeFileAtomic(path, toBytes(data));
}

function looksLikeFaiss(b: Uint8Array): boolean {
  if (b.length < 4) return false;
  const tag = String.fromCharCode(b[0]!, b[1]!, b[2]!, b[3]!);
  return tag === 'IwPQ' || tag === 'IxPT';
}
