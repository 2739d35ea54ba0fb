// Node: a RangeReader (range-reader.ts) over positioned reads of a regular file. IvfPqIndex.open imports it through
// a URL bundlers do not follow, so the browser bundle never holds it.
import { fileError } from '../util/errors.js';
import { throwIfAborted } from '../util/abort.js';
import { openRegularFile } from './file-source.js';
import { checkRange, shortReadError, type RangeReader, type RangeStats } from './range-reader.js';

/** Opens `path` (a regular file; FileError naming the path otherwise) for positioned reads. */
export async function openFileRange(path: string): Promise<RangeReader> {
  const { fh, size } = await openRegularFile(path);
  const stats: RangeStats = { bytesFetched: 0, requests: 0 };
  let closed = false;
  const reader: RangeReader = {
    name: path,
    size,
    stats,
    async read(offset, length, signal) {
      throwIfAborted(signal, `reading ${path}`);
      checkRange(reader, offset, length);
      if (closed) throw new Error(`${path}: read after close`);
      stats.requests++;
      const out = new Uint8Array(length);
      let got = 0;
      while (got < length) {
        let bytesRead: number;
        try {
          ({ bytesRead } = await fh.read(out, got, length - got, offset + got));
        } catch (e) {
          throw fileError(e, path, 'read');
        }
        if (bytesRead === 0) break; // the file shrank since it was opened
        got += bytesRead;
        stats.bytesFetched += bytesRead;
      }
      if (got !== length) throw shortReadError(path, offset, length, got);
      return out;
    },
    async close() {
      if (closed) return;
      closed = true;
      await fh.close();
    },
  };
  return reader;
}
