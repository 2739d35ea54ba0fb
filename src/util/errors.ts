// Typed errors: each error the library or the CLI raises on purpose has a class and a stable string `code`, so a
// caller can branch on `e instanceof InputError` or on `e.code === 'E_INPUT'` instead of matching messages.
// Browser-safe (no Node imports). Cancellation is not here: it stays an Error named 'AbortError' (util/abort.ts).

export type DvqErrorCode = 'E_INPUT' | 'E_USAGE' | 'E_FILE' | 'E_DVQ_FORMAT' | 'E_FAISS_FORMAT';

/** A check's way out: throws the caller's error (its class, its prefix) for a message. */
export type Fail = (message: string) => never;

/** Base class of the typed errors. `code` names the kind; `cause` (when set) is the underlying error. */
export class DvqError extends Error {
  readonly code: DvqErrorCode;
  constructor(code: DvqErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'DvqError';
  }
}

/** Bad input from the caller: vectors (shape, NaN/Infinity, empty set, wrong element type), options, ids. */
export class InputError extends DvqError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_INPUT', message, options);
    this.name = 'InputError';
  }
}

/** A command line the CLI cannot run: unknown command or option, missing or out-of-range value. Exit code 2. */
export class UsageError extends DvqError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_USAGE', message, options);
    this.name = 'UsageError';
  }
}

/**
 * A file that cannot be used: missing, a directory, a FIFO or other non-regular file, not readable or writable, or
 * an output that is also an input. `path` is the file; `reason` the system's code (ENOENT, EISDIR, EACCES, ...) or
 * one of ours: 'ENOTREG' (not a regular file), 'ESAMEFILE' (an output would overwrite an input).
 */
export class FileError extends DvqError {
  readonly path: string;
  readonly reason: string;
  constructor(path: string, reason: string, message: string, options?: { cause?: unknown }) {
    super('E_FILE', message, options);
    this.name = 'FileError';
    this.path = path;
    this.reason = reason;
  }
}

/** A .dvq index file (or its bytes) that is malformed, truncated or outside the format's limits. */
export class DvqFormatError extends DvqError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_DVQ_FORMAT', message, options);
    this.name = 'DvqFormatError';
  }
}

/** A Faiss index file that is malformed, truncated, of an unsupported kind or outside the supported limits. */
export class FaissFormatError extends DvqError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_FAISS_FORMAT', message, options);
    this.name = 'FaissFormatError';
  }
}

/**
 * Wraps a Node fs error (ENOENT, EISDIR, EACCES, ...) as a FileError whose message names the path and what was
 * being done; other errors pass through unchanged.
 */
export function fileError(e: unknown, path: string, action: string): unknown {
  const sys = e as { code?: unknown; message?: unknown } | null;
  if (e instanceof DvqError || typeof sys?.code !== 'string' || !/^E[A-Z]+$/.test(sys.code)) return e;
  const what: Record<string, string> = {
    ENOENT: 'no such file or directory', EISDIR: 'is a directory', ENOTDIR: 'a part of the path is not a directory',
    EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device', EMFILE: 'too many open files', ELOOP: 'too many levels of symbolic links',
  };
  return new FileError(path, sys.code, `${path}: cannot ${action}: ${what[sys.code] ?? String(sys.message)} (${sys.code})`, { cause: e });
}
