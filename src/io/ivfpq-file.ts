// Node file access for .dvq index files: atomic save (temp file in the same folder, fsync, rename) and a loader
// that reads the file in pieces, checking the header against the file size before anything else is read.
import { toBytes } from './dvq-format.js';
import type { IvfPqData } from './ivfpq-data.js';
import { writeFileAtomic } from './vectors-node.js';
import { readIndexFile } from './file-source.js';
import type { LoadOptions } from './index-source.js';

/** Writes `data` as a .dvq file atomically (a crash leaves either the old file or the new one). */
export async function saveIvfPq(path: string, data: IvfPqData): Promise<void> {
  await writeFileAtomic(path, toBytes(data));
}

/**
 * Reads and fully checks a .dvq file. Errors start with the path: FileError (missing, not a regular file, over
 * maxBytes), DvqFormatError (malformed).
 */
export function loadIvfPq(path: string, opts: Pick<LoadOptions, 'signal' | 'maxBytes'> = {}): Promise<IvfPqData> {
  return readIndexFile(path, { ...opts, format: 'dvq' });
}
