// Helpers to bind row ranges of large row-major arrays: storage bindings are limited to
// engine.maxBinding bytes and slice offsets must be multiples of 256 bytes.
import type { Engine } from '../pipeline/engine.js';
import { sliceOf, type Buf, type BufferSlice } from '../pipeline/buffer.js';

export type { Buf };

/** The slice of `b` covering bytes [start, start + bytes). `start` (plus b's own offset) must be 256-aligned. */
export function sub(b: Buf, start: number, bytes: number): BufferSlice {
  const s = sliceOf(b);
  if (start + bytes > s.size) throw new Error(`range [${start}, ${start + bytes}) is outside ${s.buffer.label} (${s.size} bytes)`);
  return { buffer: s.buffer, offset: s.offset + start, size: Math.max(4, bytes) };
}

/** Throws unless `b` holds at least `bytes` bytes and starts at a multiple of 256 bytes (a bindable slice). */
export function need(b: Buf, bytes: number, what: string): void {
  const s = sliceOf(b);
  if (s.size < bytes) throw new Error(`${what} holds ${s.size} bytes but ${bytes} are needed`);
  if (s.offset % 256 !== 0) throw new Error(`${what}: slice offset ${s.offset} is not a multiple of 256 bytes`);
}

/**
 * Rows per chunk so that each of the per-row binding widths (bytes per row) fits maxBinding (and `cap` bytes),
 * rounded down to a multiple of 64 rows (so every chunk's start is 256-byte aligned for any width >= 4 bytes
 * that is a multiple of 4) and at most 64 * 65535 rows. Throws naming the limit when one row does not fit.
 */
export function rowsPerChunk(engine: Engine, bytesPerRow: readonly number[], what: string, cap = Infinity): number {
  const limit = Math.min(engine.maxBinding, cap);
  let rows = 64 * 65535;
  for (const b of bytesPerRow) {
    if (b <= 0) continue;
    rows = Math.min(rows, Math.floor(limit / b));
  }
  rows = Math.floor(rows / 64) * 64;
  if (rows < 64) {
    throw new Error(`${what}: 64 rows of ${Math.max(...bytesPerRow)} bytes exceed the binding limit (maxStorageBufferBindingSize ${engine.maxBinding} bytes)`);
  }
  return rows;
}
