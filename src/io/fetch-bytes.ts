// Loading index data from a URL (browser-safe: fetch and a ReadableStream reader). The body is read chunk by chunk
// into the format's reader (index-source.ts): a .dvq header fixes the exact length (one byte more, or a declared
// Content-Length that disagrees, is an error), a Faiss file is bounded by maxBytes and by the sizes its fields
// imply, and bytes are counted after content decoding, so a compressed body is bounded the same way. A stall timeout
// bounds each wait for the server and an overall timeout the whole download; the caller's signal cancels it.
// Every error names the URL: FileError (network, HTTP status, timeout 'ETIMEDOUT', size 'EFBIG'),
// DvqFormatError / FaissFormatError (malformed data), or an Error named 'AbortError'.
import type { IvfPqData } from './ivfpq-data.js';
import { readIndexSource, type LoadOptions } from './index-source.js';
import type { ChunkSource } from './byte-queue.js';
import { DvqError, FileError, InputError } from '../util/errors.js';
import { abortError } from '../util/abort.js';

/** Defaults of LoadOptions.timeoutMs and stallTimeoutMs. */
export const FETCH_DEFAULTS = { timeoutMs: 600_000, stallTimeoutMs: 30_000 } as const;

/** A response body being read: chunks, the declared exact length when it can be trusted, and cancel(). */
export interface FetchedBody extends ChunkSource {
  /** the body's length when the server declares it and the body is not content-encoded */
  length?: number;
  /** stops the download and its timers (idempotent) */
  cancel(): void;
}

function describe(e: unknown): { code: string; detail: string } {
  const err = e as { message?: unknown; code?: unknown; cause?: { message?: unknown; code?: unknown } } | null;
  const cause = err?.cause;
  const code = typeof cause?.code === 'string' ? cause.code : typeof err?.code === 'string' ? err.code : 'EFETCH';
  const parts = [String(err?.message ?? e)];
  if (cause?.message !== undefined) parts.push(String(cause.message));
  return { code, detail: parts.join(': ') };
}

/**
 * Starts a GET of `url` and returns its body as chunks. Throws (FileError / AbortError, naming the URL) when the
 * request fails, times out, is cancelled or the status is not 2xx.
 */
export async function fetchBody(url: string, opts: Pick<LoadOptions, 'signal' | 'timeoutMs' | 'stallTimeoutMs'> = {}): Promise<FetchedBody> {
  const timeoutMs = opts.timeoutMs ?? FETCH_DEFAULTS.timeoutMs;
  const stallMs = opts.stallTimeoutMs ?? FETCH_DEFAULTS.stallTimeoutMs;
  for (const [k, v] of [['timeoutMs', timeoutMs], ['stallTimeoutMs', stallMs]] as const) {
    if (!(v > 0)) throw new InputError(`${url}: ${k} must be a number > 0, got ${v}`);
  }
  const what = `loading ${url}`;
  if (opts.signal?.aborted) throw abortError(what);
  const ctl = new AbortController();
  let why: 'abort' | 'timeout' | 'stall' | null = null;
  let received = 0;
  const stop = (w: NonNullable<typeof why>): void => { if (!why) { why = w; ctl.abort(); } };
  const onAbort = (): void => stop('abort');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const total = setTimeout(() => stop('timeout'), timeoutMs);
  let stall: ReturnType<typeof setTimeout> | undefined;
  const arm = (): void => { clearTimeout(stall); stall = setTimeout(() => stop('stall'), stallMs); };
  let done = false;
  const finish = (): void => {
    if (done) return;
    done = true;
    clearTimeout(total);
    clearTimeout(stall);
    opts.signal?.removeEventListener('abort', onAbort);
  };
  const failure = (e: unknown): Error => {
    if (why === 'abort') return abortError(what);
    if (why === 'timeout') return new FileError(url, 'ETIMEDOUT', `${url}: cannot fetch: not complete within timeoutMs = ${timeoutMs} ms (${received} bytes received)`);
    if (why === 'stall') return new FileError(url, 'ETIMEDOUT', `${url}: cannot fetch: the server sent nothing for stallTimeoutMs = ${stallMs} ms (${received} bytes received)`);
    if (e instanceof DvqError) return e;
    const { code, detail } = describe(e);
    return new FileError(url, code, `${url}: cannot fetch${received ? ` (after ${received} bytes of the body)` : ''}: ${detail}`, { cause: e });
  };
  let res: Response;
  try {
    arm();
    res = await fetch(url, { signal: ctl.signal, redirect: 'follow' });
  } catch (e) {
    finish();
    throw failure(e);
  }
  if (!res.ok || !res.body) {
    finish();
    await res.body?.cancel().catch(() => undefined);
    throw new FileError(url, 'EHTTP', `${url}: cannot fetch: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}${res.ok ? ' (no body)' : ''}`);
  }
  // Content-Length counts the bytes sent; it is the body's length only without a content encoding. A cross-origin
  // response may hide Content-Encoding, so its Content-Length is not trusted.
  const enc = res.headers.get('content-encoding');
  const cl = res.headers.get('content-length');
  const trusted = res.type !== 'cors' && res.type !== 'opaque' && (enc === null || enc === 'identity');
  const length = trusted && cl !== null && /^\d+$/.test(cl.trim()) ? Number(cl) : undefined;
  const reader = res.body.getReader();
  return {
    ...(length !== undefined ? { length } : {}),
    async next() {
      if (done) return null;
      arm();
      try {
        const r = await reader.read();
        clearTimeout(stall);
        if (r.done) { finish(); return null; }
        received += r.value.length;
        return r.value;
      } catch (e) {
        finish();
        throw failure(e);
      }
    },
    cancel() {
      finish();
      ctl.abort();
      reader.cancel().catch(() => undefined);
    },
  };
}

/** Fetches and reads index data (.dvq or Faiss, told apart by the first bytes) from `url` under `opts`' limits. */
export async function fetchIndexData(url: string, opts: LoadOptions = {}): Promise<IvfPqData> {
  const body = await fetchBody(url, opts);
  try {
    return await readIndexSource(url, body, {
      ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.maxBytes !== undefined ? { maxBytes: opts.maxBytes } : {}),
      ...(body.length !== undefined ? { length: body.length } : {}),
    });
  } finally {
    body.cancel();
  }
}
