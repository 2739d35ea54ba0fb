// IvfPqIndex.open in the page: the demo index opened by URL (HTTP Range requests to the test server) searches like
// the fully loaded index, and a query batch reads a fraction of the file.
import { Checks, type BrowserCase } from '../harness.js';
import { IvfPqIndex } from '../../../src/api/ivfpq-index.js';

const DEMO_URL = '/dist/demo/demo-ivf64-pq32.dvq';

function queries(r: () => number, nq: number, dim: number): Float32Array {
  const q = new Float32Array(nq * dim);
  for (let i = 0; i < nq; i++) {
    let s = 0;
    for (let j = 0; j < dim; j++) { const v = r() - 0.5; q[i * dim + j] = v; s += v * v; }
    for (let j = 0; j < dim; j++) q[i * dim + j]! /= Math.sqrt(s);
  }
  return q;
}

export const cases: BrowserCase[] = [{
  name: 'open: the demo index by URL (Range requests) searches like the loaded index, reading a fraction per batch',
  async run(engine, r) {
    const c = new Checks();
    const url = new URL(DEMO_URL, location.href);
    const loaded = await IvfPqIndex.load(engine, url);
    const size = loaded.toBytes().length;
    const opened = await IvfPqIndex.open(engine, url, { cacheBytes: 64 * 1024 });
    try {
      const head = opened.stats.bytesFetched;
      c.check(head < size, `open read the head: ${head} of ${size} bytes in ${opened.stats.requests} requests`);
      for (const [nq, k, nprobe] of [[1, 10, 4], [11, 13, 6], [2, 5, 64]] as const) {
        const q = queries(r, nq, loaded.dim);
        const before = opened.stats.bytesFetched;
        const got = await opened.search(q, { k, nprobe }), want = await loaded.search(q, { k, nprobe });
        const batch = opened.stats.bytesFetched - before;
        c.check(got.ids.every((id, i) => id === want.ids[i]) && got.scores.every((s, i) => Object.is(s, want.scores[i])),
          `nq ${nq}, k ${k}, nprobe ${nprobe}: same ids and scores as the loaded index`);
        if (nprobe <= 4) c.check(batch < size / 4, `nq ${nq}, nprobe ${nprobe}: the batch read ${batch} bytes of ${size} (${(100 * batch / size).toFixed(1)}%)`);
        c.check(opened.stats.cachedBytes <= 64 * 1024, `the cache holds ${opened.stats.cachedBytes} <= 65536 bytes`);
      }
      const s = opened.stats;
      c.check(s.bytesFetched > head && s.listsFetched > 0, `in all ${s.bytesFetched} bytes, ${s.requests} requests, ${s.listsFetched} lists read, ${s.cacheHits} cache hits`);
    } finally {
      await opened.dispose();
      loaded.dispose();
    }
    return c.result();
  },
}];
