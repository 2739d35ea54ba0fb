// Ranged reads of a file that is not read whole (IvfPqIndex.open): the RangeReader interface, its counters, and the
// browser-safe implementation over HTTP Range requests (fetch). The Node implementation over positioned file reads
// is in range-file.ts. Every read returns exactly the bytes asked for or throws a FileError naming the file, the
// byte range and what arrived: a server that ignores Range (HTTP 200) is refused at the first request, whose body
// is cancelled, so nothing is ever downloaded whole by accident.
import { FileError, InputError } from '../util/errors.js';
import { abortError, throwIfAborted } from '../util/abort.js';
import { FETCH_DEFAULTS } from './fetch-bytes.js';

/** Counters of a RangeReader: bytes received and requests made (file reads or HTTP requests). */
export interface RangeStats {
  bytesFetched: number;
  requests: number;
}

/** A file read by byte ranges. */
export interface RangeReader {
  /** the path or URL, as errors name it */
  readonly name: string;
  /** the file's length in bytes */
  readonly size: number;
  readonly stats: RangeStats;
  /** Bytes offset .. offset + length - 1 (a new array). FileError on a short read or a failed request. */
  read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array>;
  /** releases the file handle (idempotent) */
  close(): Promise<void>;
}

/** The FileError of a read that returned fewer (or more) bytes than asked for. */
export function shortReadError(name: string, offset: number, length: number, received: number): FileError {
  const what = received < length ? 'short read' : 'long read';
  return new FileError(name, received < length ? 'ESHORT' : 'ELONG',
    `${name}: ${what}: bytes ${offset}..${offset + length - 1} (${length} bytes) gave ${received} bytes${received < length ? ' (the file is truncated or changed)' : ''}`);
}

/** Checks a requested range against the file's size (an InputError for a range outside the file). */
export function checkRange(r: Pick<RangeReader, 'name' | 'size'>, offset: number, length: number): void {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > r.size) {
    throw new InputError(`${r.name}: range ${offset}+${length} is outside the file's ${r.size} bytes`);
  }
}

export interface UrlRangeOptions {
  signal?: AbortSignal | undefined;
  /** the limit of one request, from its start to its last byte (default FETCH_DEFAULTS.stallTimeoutMs) */
  timeoutMs?: number | undefined;
}

/** the first request's length: a .dvq header */
const PROBE_BYTES = 64;
const CONTENT_RANGE = /^bytes (\d+)-(\d+)\/(\d+)$/;

/**
 * Opens `url` for Range requests: the first request (the first `probeBytes` bytes) learns the size from its
 * Content-Range. Throws a FileError when the server answers without a 206 (e.g. it ignores Range and sends the
 * whole file with 200: that body is cancelled at once), when Content-Range is missing or disagrees, or on a
 * network failure; an Error named AbortError when `signal` fires.
 */
export async function openUrlRange(url: string, opts: UrlRangeOptions = {}): Promise<RangeReader & { head: Uint8Array }> {
  const timeoutMs = opts.timeoutMs ?? FETCH_DEFAULTS.stallTimeoutMs;
  if (!(timeoutMs > 0)) throw new InputError(`${url}: timeoutMs must be a number > 0, got ${timeoutMs}`);
  const stats: RangeStats = { bytesFetched: 0, requests: 0 };
  let size = -1;

  // probe: the first request, which learns the size; a file shorter than the range gives what it has
  const get = async (offset: number, length: number, signal?: AbortSignal, probe = false): Promise<Uint8Array> => {
    const what = `reading ${url}`;
    throwIfAborted(signal, what);
    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; ctl.abort(); }, timeoutMs);
    const onAbort = (): void => ctl.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const last = offset + length - 1;
    const range = `bytes ${offset}..${last}`;
    stats.requests++;
    try {
      const res = await fetch(url, { signal: ctl.signal, headers: { Range: `bytes=${offset}-${last}` }, redirect: 'follow' });
      if (res.status !== 206) {
        await res.body?.cancel().catch(() => undefined);
        const why = res.status === 200
          ? 'the server ignored the Range header (HTTP 200, the whole file): open needs a server that supports range requests; use load() to download the index'
          : `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`;
        throw new FileError(url, res.status === 200 ? 'ENORANGE' : 'EHTTP', `${url}: cannot read ${range}: ${why}`);
      }
      const cr = CONTENT_RANGE.exec(res.headers.get('content-range')?.trim() ?? '');
      if (probe && cr && Number(cr[3]) < length && Number(cr[2]) === Number(cr[3]) - 1) length = Number(cr[3]);
      if (!cr || Number(cr[1]) !== offset || Number(cr[2]) !== offset + length - 1 || (size >= 0 && Number(cr[3]) !== size)) {
        await res.body?.cancel().catch(() => undefined);
        throw new FileError(url, 'ERANGE', `${url}: cannot read ${range}: the server answered with Content-Range ${JSON.stringify(res.headers.get('content-range'))}${size >= 0 ? ` (file size ${size})` : ''}`);
      }
      if (size < 0) size = Number(cr[3]);
      const out = new Uint8Array(length);
      let got = 0;
      const reader = res.body!.getReader();
      for (;;) {
        const r = await reader.read();
        if (r.done) break;
        stats.bytesFetched += r.value.length;
        if (got + r.value.length > length) {
          await reader.cancel().catch(() => undefined);
          throw shortReadError(url, offset, length, got + r.value.length);
        }
        out.set(r.value, got);
        got += r.value.length;
      }
      if (got !== length) throw shortReadError(url, offset, length, got);
      return out;
    } catch (e) {
      if (e instanceof FileError) throw e;
      if (signal?.aborted) throw abortError(what);
      if (timedOut) throw new FileError(url, 'ETIMEDOUT', `${url}: cannot read ${range}: no complete answer within ${timeoutMs} ms`);
      throw new FileError(url, 'EFETCH', `${url}: cannot read ${range}: ${String((e as Error)?.message ?? e)}`, { cause: e });
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  };

  const head = await get(0, PROBE_BYTES, opts.signal, true);
  const reader = {
    name: url,
    get size() { return size; },
    stats,
    head,
    read(offset: number, length: number, signal?: AbortSignal): Promise<Uint8Array> {
      checkRange(reader, offset, length);
      return length === 0 ? Promise.resolve(new Uint8Array(0)) : get(offset, length, signal);
    },
    close: (): Promise<void> => Promise.resolve(),
  };
  return reader;
}
