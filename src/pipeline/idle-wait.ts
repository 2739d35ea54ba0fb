// Waiting for a GPU promise without a busy CPU. Under Node, dawn.node settles its promises by polling Dawn's
// events from a callback that re-queues itself with setImmediate until none is pending, so while the GPU works
// one CPU runs that loop at full speed. With a software adapter (lavapipe) the GPU is the same CPUs: the loop
// takes a core from the adapter's worker threads. idleWait puts a second callback on the same queue that sleeps
// (Atomics.wait on a private word) on every turn, so the loop turns at most a few hundred times a second once a
// wait is long, instead of spinning. The sleep is 5% of the time waited since the waits began, 0.02 to 2 ms, so a promise
// settles at most that much later than it would otherwise. Where the runtime has no setImmediate or cannot block
// its thread (a browser's main thread), idleWait returns the promise as it is.

type Immediate = (f: () => void) => unknown;

const MIN_MS = 0.02, MAX_MS = 2, SHARE = 0.05;

let word: Int32Array | null = null;
let sleeps: boolean | null = null; // canSleep's answer, found once
let pending = 0;
let since = 0;
let ticking = false; // a tick is queued: at most one at a time

function canSleep(): boolean {
  if (sleeps !== null) return sleeps;
  const g = globalThis as { setImmediate?: Immediate };
  if (typeof g.setImmediate !== 'function' || typeof SharedArrayBuffer !== 'function' || typeof Atomics.wait !== 'function') return (sleeps = false);
  try {
    word = new Int32Array(new SharedArrayBuffer(4));
    Atomics.wait(word, 0, 0, 0); // throws where this thread may not block
    return (sleeps = true);
  } catch {
    return (sleeps = false);
  }
}

function tick(): void {
  if (pending === 0) { ticking = false; return; }
  Atomics.wait(word!, 0, 0, Math.min(MAX_MS, Math.max(MIN_MS, (performance.now() - since) * SHARE)));
  (globalThis as unknown as { setImmediate: Immediate }).setImmediate(tick);
}

/** Resolves or rejects as `p` does, sleeping between the event-loop turns while it is pending (see above). */
export async function idleWait<T>(p: Promise<T>): Promise<T> {
  if (!canSleep()) return p;
  if (pending++ === 0) since = performance.now();
  if (!ticking) {
    ticking = true;
    (globalThis as unknown as { setImmediate: Immediate }).setImmediate(tick);
  }
  try {
    return await p;
  } finally {
    pending--;
  }
}
