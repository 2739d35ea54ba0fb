// Cancellation: every long call takes an AbortSignal and throws an Error named 'AbortError' when it fires.

/** The error a cancelled call throws: an Error named 'AbortError' (what fetch and DOM APIs throw). */
export function abortError(what = 'the operation'): Error {
  const e = new Error(`${what} was cancelled`);
  e.name = 'AbortError';
  return e;
}

export function throwIfAborted(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw abortError(what);
}
