// Incremental parsing of a byte stream (browser-safe). A file reader is a generator (`Parser<T>`) that reads
// fields from a ByteQueue and, when the bytes it needs have not arrived yet, yields (`yield* q.need(n)`); a driver
// feeds the queue: bytes held whole (parseWhole), or chunks from a file read in pieces or a fetch body
// (parseStream). Either way the reader sees the same bytes and makes the same checks, so a header is checked as
// soon as its bytes are in, an array is allocated only after the fields that size it were checked, and the queue
// holds only what arrived but was not read yet. Sizes are bounded three ways: the stream's length when known (a
// file's size, a body's Content-Length), the exact total a reader derives from a header (expectTotal: one byte
// more is an error) and maxBytes.
import { throwIfAborted } from '../util/abort.js';
import type { Fail } from '../util/errors.js';

/** A reader over a ByteQueue: yields while it waits for bytes, returns what it read. */
export type Parser<T> = Generator<void, T, void>;

export interface ByteQueueOptions {
  /** throws the format's error (naming the source) for a message */
  fail: Fail;
  /** the stream's exact length when known (bytes in memory, a file's size, an unencoded body's Content-Length) */
  length?: number;
  /** most bytes accepted (default: no limit) */
  maxBytes?: number;
  /** throws the error for a stream of more than maxBytes bytes; `size` is the size seen or implied */
  tooBig?: (size: number) => never;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class ByteQueue {
  readonly fail: Fail;
  readonly length: number | undefined;
  readonly maxBytes: number;
  /** throws the error for a stream of more than maxBytes bytes (`size`: the size seen or implied) */
  readonly tooBig: (size: number) => never;
  private chunks: Uint8Array[] = [];
  /** read offset into chunks[0] (which is never exhausted while chunks is not empty) */
  private head = 0;
  private expected = Infinity;
  private overrun = '';
  /** bytes that arrived and were not read yet */
  available = 0;
  /** bytes read so far: the read position in the stream */
  position = 0;
  ended = false;
  /** sees every byte as it is read, in order (a running checksum) */
  onRead: ((bytes: Uint8Array) => void) | null = null;

  constructor(o: ByteQueueOptions) {
    this.fail = o.fail;
    this.length = o.length;
    this.maxBytes = o.maxBytes ?? Infinity;
    this.tooBig = o.tooBig ?? ((size) => o.fail(`${size} bytes, more than the ${this.maxBytes} allowed`));
    if (this.length !== undefined && this.length > this.maxBytes) this.tooBig(this.length);
  }

  /** Bytes received so far. */
  get received(): number { return this.position + this.available; }

  /** The most bytes the stream may still hold after the read position; `exact` when the length is known. */
  get left(): { bytes: number; exact: boolean } {
    const exact = this.length !== undefined || this.expected !== Infinity;
    return { bytes: Math.min(this.length ?? Infinity, this.expected, this.maxBytes) - this.position, exact };
  }

  /** Appends a chunk. Throws as soon as the stream has more bytes than expectTotal() or maxBytes allow. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const total = this.received + chunk.length;
    if (total > this.expected) this.fail(this.overrun);
    if (total > this.maxBytes) this.tooBig(total);
    this.chunks.push(chunk);
    this.available += chunk.length;
  }

  /** The stream ended: from now on a read past the bytes that arrived fails instead of waiting. */
  end(): void { this.ended = true; }

  /**
   * The stream must hold exactly `total` bytes (a reader knows this from a header): fails at once when more have
   * arrived, and push() fails at the first byte beyond it, with `overrun` as the message.
   */
  expectTotal(total: number, overrun: string): void {
    if (total > this.maxBytes) this.tooBig(total);
    this.expected = total;
    this.overrun = overrun;
    if (this.received > total) this.fail(overrun);
  }

  /**
   * Waits until `n` bytes are available; fails naming `what` if the stream ends first (`wanted`: the bytes the
   * field still needs in all, for the message).
   */
  *need(n: number, what: string, wanted = n): Parser<void> {
    while (this.available < n) {
      if (this.ended) this.fail(`truncated: the data ends after ${this.received} bytes, in ${what} (${wanted - this.available} more bytes needed)`);
      yield;
    }
  }

  /** `n` contiguous bytes (a copy when they span chunks); valid until the next read. */
  *bytes(n: number, what: string): Parser<Uint8Array> {
    yield* this.need(n, what);
    const c = this.chunks[0];
    if (n > 0 && c && c.length - this.head >= n) {
      const out = c.subarray(this.head, this.head + n);
      this.advance(n);
      return out;
    }
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      const c2 = this.chunks[0]!;
      const k = Math.min(n - got, c2.length - this.head);
      out.set(c2.subarray(this.head, this.head + k), got);
      this.advance(k);
      got += k;
    }
    return out;
  }

  private *view(n: number, what: string): Parser<DataView> {
    const b = yield* this.bytes(n, what);
    return new DataView(b.buffer, b.byteOffset, n);
  }

  *u8(what: string): Parser<number> { return (yield* this.bytes(1, what))[0]!; }
  *u32(what: string): Parser<number> { return (yield* this.view(4, what)).getUint32(0, true); }
  *i32(what: string): Parser<number> { return (yield* this.view(4, what)).getInt32(0, true); }
  *f32(what: string): Parser<number> { return (yield* this.view(4, what)).getFloat32(0, true); }
  *u64(what: string): Parser<bigint> { return (yield* this.view(8, what)).getBigUint64(0, true); }
  *i64(what: string): Parser<bigint> { return (yield* this.view(8, what)).getBigInt64(0, true); }

  /**
   * Hands the next `n` bytes to `fn` in pieces as they arrive, each a whole number of `align`-byte elements (an
   * element that spans two chunks comes as a copied piece of its own). Pieces are valid only during the call.
   */
  *pieces(n: number, what: string, fn: (piece: Uint8Array) => void, align = 1): Parser<void> {
    let left = n;
    while (left > 0) {
      yield* this.need(align, what, left);
      const c = this.chunks[0]!;
      const inChunk = c.length - this.head;
      if (inChunk >= align) {
        const len = Math.min(left, inChunk - (inChunk % align));
        const piece = c.subarray(this.head, this.head + len);
        this.advance(len);
        fn(piece);
        left -= len;
      } else {
        fn(yield* this.bytes(align, what));
        left -= align;
      }
    }
  }

  /** Reads little-endian 32-bit values (or bytes) straight into `out`, piece by piece. */
  *fill<T extends Float32Array | Int32Array | Uint32Array | Uint8Array>(out: T, what: string): Parser<T> {
    const dst = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    let at = 0;
    yield* this.pieces(dst.length, what, (p) => { dst.set(p, at); at += p.length; });
    if (!LITTLE_ENDIAN && out.BYTES_PER_ELEMENT === 4) {
      for (let i = 0; i < dst.length; i += 4) { const a = dst[i]!, b = dst[i + 1]!; dst[i] = dst[i + 3]!; dst[i + 1] = dst[i + 2]!; dst[i + 2] = b; dst[i + 3] = a; }
    }
    return out;
  }

  /** Reads past `n` bytes without keeping them. */
  *skip(n: number, what: string): Parser<void> {
    yield* this.pieces(n, what, () => undefined);
  }

  /** Waits for the end of the stream; fails if any byte is left over. */
  *atEnd(): Parser<void> {
    for (;;) {
      if (this.available > 0) this.fail(`${this.available} unexpected bytes after the end of the data at byte ${this.position}`);
      if (this.ended) return;
      yield;
    }
  }

  private advance(n: number): void {
    const c = this.chunks[0]!;
    this.onRead?.(c.subarray(this.head, this.head + n));
    this.head += n;
    this.position += n;
    this.available -= n;
    if (this.head === c.length) { this.chunks.shift(); this.head = 0; }
  }
}

/** Runs a reader over bytes held whole (its `length` is theirs). */
export function parseWhole<T>(read: (q: ByteQueue) => Parser<T>, bytes: Uint8Array, o: Omit<ByteQueueOptions, 'length'>): T {
  const q = new ByteQueue({ ...o, length: bytes.length });
  q.push(bytes);
  q.end();
  const r = read(q).next();
  if (!r.done) return q.fail('internal error: the reader waits for bytes after the end');
  return r.value;
}

/** A source of chunks: `next()` gives the next one, or null at the end. */
export interface ChunkSource {
  next(): Promise<Uint8Array | null>;
}

/** Runs a reader over chunks from `source` until the reader is done and the source has ended. */
export async function parseStream<T>(read: (q: ByteQueue) => Parser<T>, q: ByteQueue, source: ChunkSource, signal?: AbortSignal, what?: string): Promise<T> {
  const gen = read(q);
  try {
    let r = gen.next();
    while (!r.done) {
      throwIfAborted(signal, what);
      const chunk = await source.next();
      throwIfAborted(signal, what);
      if (chunk === null) q.end();
      else q.push(chunk);
      r = gen.next();
    }
    return r.value;
  } finally {
    gen.return(undefined as never);
  }
}
