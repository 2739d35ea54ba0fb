// Fuzzes the .dvq loader with thousands of mutated files (deterministic seed; SEED= to vary): bit flips, byte
// overwrites, truncations, extensions, header field tweaks and section-content tweaks, with and without a
// re-computed checksum. The loader must return valid data that re-encodes to the same bytes, or throw a plain
// Error whose message starts with "dvq:" - never another exception type, a crash or an oversized allocation.
import t from 'tap';
import { rng } from './helpers.js';
import { randomIvfPq } from './fixtures/random-ivfpq.js';
import { toBytes, fromBytes, crc32, readDvqHeader } from '../src/io/dvq-format.js';
import { validateIvfPq } from '../src/io/ivfpq-data.js';

const seed = process.env.SEED ? Number(process.env.SEED) : 20261127;
const r = rng(seed);
t.comment(`fuzz seed ${seed}`);
const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
const int = (n: number): number => Math.floor(r() * n);

const bases = [
  toBytes(randomIvfPq(r, { metric: 'ip', dim: 8, m: 4, bits: 8, nlist: 4, ntotal: 30 })),
  toBytes(randomIvfPq(r, { metric: 'l2', dim: 6, m: 3, bits: 4, nlist: 5, ntotal: 17, rotation: true, emptyLists: true })),
  toBytes(randomIvfPq(r, { metric: 'ip', dim: 4, m: 2, bits: 4, nlist: 1, ntotal: 0 })),
  toBytes(randomIvfPq(r, { metric: 'l2', dim: 2, m: 1, bits: 8, nlist: 3, ntotal: 5, rotation: true })),
];
const INTERESTING = [0, 1, 2, 3, 4, 7, 8, 16, 255, 256, 65535, 65536, 65537, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 1 << 24, (1 << 24) + 1];

function fixCrc(b: Uint8Array): void {
  if (b.length < 4) return;
  new DataView(b.buffer, b.byteOffset, b.byteLength).setUint32(b.length - 4, crc32(b.subarray(0, b.length - 4)), true);
}

type Mutation = (b: Uint8Array) => Uint8Array;
const mutations: [string, Mutation][] = [
  ['bit flips', (b) => { const c = b.slice(); for (let k = 1 + int(4); k > 0; k--) { const i = int(c.length); c[i]! ^= 1 << int(8); } return c; }],
  ['byte overwrite', (b) => { const c = b.slice(); for (let k = 1 + int(4); k > 0; k--) c[int(c.length)] = int(256); return c; }],
  ['truncate', (b) => b.slice(0, int(b.length))],
  ['extend', (b) => { const c = new Uint8Array(b.length + 1 + int(64)); c.set(b); for (let i = b.length; i < c.length; i++) c[i] = int(256); return c; }],
  ['header field', (b) => { const c = b.slice(); new DataView(c.buffer).setUint32(4 * int(16), pick(INTERESTING), true); return c; }],
  ['header field +-1', (b) => { const c = b.slice(); const dv = new DataView(c.buffer); const o = 4 * int(16); dv.setUint32(o, (dv.getUint32(o, true) + (r() < 0.5 ? 1 : -1)) >>> 0, true); return c; }],
  ['section u32', (b) => {
    const c = b.slice(); const dv = new DataView(c.buffer);
    const o = 64 + 4 * int(Math.max(1, (c.length - 68) / 4));
    const v = r() < 0.3 ? pick(INTERESTING) : r() < 0.5 ? 0x7fc00000 /* NaN */ : (dv.getUint32(o, true) + int(5) - 2) >>> 0;
    if (o + 4 <= c.length - 4) dv.setUint32(o, v, true);
    return c;
  }],
  ['splice', (b) => { const c = b.slice(); const a = int(c.length), len = int(16), to = int(c.length); c.copyWithin(to, a, a + len); return c; }],
];

t.test('loader survives mutated files', async (t) => {
  const counts: Record<string, { ok: number; rejected: number }> = {};
  const reasons = new Map<string, number>();
  let total = 0, unexpected = 0;
  const N = Number(process.env.FUZZ_N ?? 4000);
  for (let iter = 0; iter < N; iter++) {
    const base = pick(bases);
    const [name, mutate] = pick(mutations);
    const fix = r() < 0.5;
    const bytes = mutate(base);
    if (fix) fixCrc(bytes);
    const key = `${name}${fix ? ' +crc' : ''}`;
    counts[key] ??= { ok: 0, rejected: 0 };
    total++;
    try {
      const d = fromBytes(bytes);
      validateIvfPq(d);
      let held = 0;
      for (const a of [d.rotation, d.centroids, d.codebooks, d.listOffsets, d.ids, d.codes]) held += a ? a.byteLength : 0;
      if (held > bytes.length) throw new Error(`FUZZ: returned ${held} bytes of arrays from a ${bytes.length}-byte file`);
      const again = toBytes(d);
      if (again.length !== bytes.length || again.some((v, i) => v !== bytes[i])) throw new Error('FUZZ: accepted file does not re-encode to the same bytes');
      counts[key].ok++;
    } catch (e) {
      const ok = e instanceof Error && e.constructor === Error && /^dvq: /.test(e.message) && !e.message.startsWith('FUZZ');
      if (!ok) {
        unexpected++;
        if (unexpected <= 5) t.fail(`iteration ${iter} (${key}, seed ${seed}): ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`);
      } else {
        counts[key].rejected++;
        const reason = (e as Error).message.replace(/[-\d.]+|"[^"]*"|0x[0-9a-f]+/g, '#').slice(0, 40);
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      }
    }
  }
  t.equal(unexpected, 0, `${total} mutated files: every one parsed to valid data or was rejected with a dvq: Error`);
  t.ok(reasons.size >= 10, `many distinct rejection reasons were exercised (${reasons.size})`);
  for (const [k, v] of Object.entries(counts)) t.comment(`${k}: ${v.ok} accepted, ${v.rejected} rejected`);
  for (const [k, v] of [...reasons].sort((a, b) => b[1] - a[1])) t.comment(`${v} x ${k}`);
  // the untouched bases parse
  for (const b of bases) t.ok(readDvqHeader(b, b.length) && fromBytes(b), 'base file parses');
});
