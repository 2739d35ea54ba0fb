import t from 'tap';
import { idleWait } from '../src/pipeline/idle-wait.js';

type Immediate = (f: () => void) => unknown;
const g = globalThis as unknown as { setImmediate: Immediate };

/** A promise that settles after `turns` turns of the setImmediate queue. */
function after<T>(turns: number, value: T, fail = false): Promise<T> {
  return new Promise((resolve, reject) => {
    const step = (left: number) => { if (left === 0) { if (fail) reject(new Error(String(value))); else resolve(value); } else g.setImmediate(() => step(left - 1)); };
    step(turns);
  });
}

t.test('idleWait settles as the promise does: values, errors, concurrent and back-to-back waits', async (t) => {
  t.equal(await idleWait(after(5, 42)), 42, 'the value');
  await t.rejects(idleWait(after(3, 'boom', true)), /boom/, 'the error');
  t.same(await Promise.all([idleWait(after(7, 'a')), idleWait(after(2, 'b')), idleWait(Promise.resolve('c'))]), ['a', 'b', 'c'], 'concurrent waits');
  // back-to-back waits: at most one sleeper is queued at any time (one per wait would pile up and slow every turn)
  const real = g.setImmediate;
  let queued = 0, most = 0;
  g.setImmediate = (f) => {
    const sleeper = f.name === 'tick';
    if (sleeper) { queued++; most = Math.max(most, queued); }
    return real(() => { if (sleeper) queued--; f(); });
  };
  try {
    for (let i = 0; i < 100; i++) t.equal(await idleWait(after(i % 4, i)), i, `wait ${i}`, { silent: true } as never);
    await after(3, 0); // the last sleeper sees no wait pending and stops
  } finally {
    g.setImmediate = real;
  }
  t.ok(most >= 1, 'a sleeper was queued while waiting');
  t.equal(most, 1, 'at most one sleeper queued at a time');
  t.equal(queued, 0, 'no sleeper left once nothing is pending');
});
