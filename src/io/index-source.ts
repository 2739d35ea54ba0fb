// Reading index data of either format (.dvq or a Faiss IndexIVFPQ file, told apart by their first four bytes) from
// bytes in memory or from a stream of chunks (a file read in pieces, a fetch body). Browser-safe. The stream is
// read incrementally by the format's reader (dvq-format.ts, faiss-format.ts) under the limits below, so memory
// follows what a checked header allows, never what the source sends.
import type { IvfPqData } from './ivfpq-data.js';
import { readDvq, dvqFail } from './dvq-format.js';
import { readFaiss, faissFail } from './faiss-format.js';
import { ByteQueue, parseStream, parseWhole, type ChunkSource } from './byte-queue.js';
import { FileError, InputError } from '../util/errors.js';
import { throwIfAborted } from '../util/abort.js';

export type IndexFormat = 'dvq' | 'faiss';

/** Options of IvfPqIndex.load and the index loaders. */
export interface LoadOptions {
  /** cancels the load: it then throws an Error named 'AbortError' */
  signal?: AbortSignal;
  /** the most bytes read from a file or URL (default DEFAULT_MAX_BYTES, 4 GiB); more is a FileError 'EFBIG' */
  maxBytes?: number;
  /** URLs: the longest time for the whole download, in ms (default 600 000: 10 minutes) */
  timeoutMs?: number;
  /** URLs: the longest wait for the response or for the next piece of its body, in ms (default 30 000) */
  stallTimeoutMs?: number;
}

/** The default of LoadOptions.maxBytes: 4 GiB. */
export const DEFAULT_MAX_BYTES = 4 * 2 ** 30;

/** 'faiss' for the fourcc of a Faiss IndexIVFPQ ('IwPQ') or IndexPreTransform ('IxPT'), else 'dvq'. */
export function indexFormatOf(head: Uint8Array): IndexFormat {
  const tag = head.length >= 4 ? String.fromCharCode(head[0]!, head[1]!, head[2]!, head[3]!) : '';
  return tag === 'IwPQ' || tag === 'IxPT' ? 'faiss' : 'dvq';
}

/** Parses index bytes held in memory, .dvq or Faiss (DvqFormatError / FaissFormatError). */
export function parseIndexBytes(bytes: Uint8Array): IvfPqData {
  return indexFormatOf(bytes) === 'faiss' ? parseWhole(readFaiss, bytes, { fail: faissFail() }) : parseWhole(readDvq, bytes, { fail: dvqFail() });
}

export interface IndexSourceOptions extends Pick<LoadOptions, 'signal' | 'maxBytes'> {
  /** the source's exact length when known (a file's size, an unencoded body's Content-Length) */
  length?: number;
  /** read this format only (default: told apart by the first bytes) */
  format?: IndexFormat;
}

/**
 * Reads index data from a stream of chunks; `name` (a path or URL) starts every error message. Throws a
 * DvqFormatError or FaissFormatError for malformed data, a FileError 'EFBIG' for more than maxBytes bytes.
 */
export async function readIndexSource(name: string, source: ChunkSource, o: IndexSourceOptions = {}): Promise<IvfPqData> {
  const maxBytes = o.maxBytes ?? DEFAULT_MAX_BYTES;
  if (!(maxBytes >= 0)) throw new InputError(`${name}: maxBytes must be a number >= 0, got ${maxBytes}`);
  const tooBig = (size: number): never => {
    throw new FileError(name, 'EFBIG', `${name}: the index is ${o.length === size ? '' : 'at least '}${size} bytes, more than maxBytes = ${maxBytes}`);
  };
  if (o.length !== undefined && o.length > maxBytes) tooBig(o.length);
  // the first bytes say the format: gather at least four (or the whole source, when it is shorter)
  const first: Uint8Array[] = [];
  let got = 0, ended = false;
  while (!o.format && got < 4) {
    throwIfAborted(o.signal, `loading ${name}`);
    const c = await source.next();
    if (c === null) { ended = true; break; }
    first.push(c);
    got += c.length;
    if (got > maxBytes) tooBig(got);
  }
  const head = new Uint8Array(Math.min(got, 4));
  for (let i = 0, at = 0; at < head.length; i++) { const part = first[i]!.subarray(0, head.length - at); head.set(part, at); at += part.length; }
  const format = o.format ?? indexFormatOf(head);
  const q = new ByteQueue({
    fail: format === 'faiss' ? faissFail(name) : dvqFail(name), maxBytes, tooBig,
    ...(o.length !== undefined ? { length: o.length } : {}),
  });
  for (const c of first) q.push(c);
  if (ended) q.end();
  return parseStream(format === 'faiss' ? readFaiss : readDvq, q, source, o.signal, `loading ${name}`);
}
