// The demo data set shipped in data/demo (8,000 WordNet glosses + 500 usage-example queries embedded with
// Universal Sentence Encoder Lite, 512-d, float16). Browser-safe: loads through a byte-fetching function, e.g.
// from a URL base with fetch(); src/io/demo-data-node.ts loads it from the package folder.
import { float16ToFloat32, parseIntVectors, type VectorSet } from './vectors.js';

export interface DemoBaseText { i: number; orig: number; synset: string; text: string }
export interface DemoQueryText { i: number; synset: string; source_base_index: number; text: string }

export interface DemoDataInfo {
  name: string;
  n_base: number;
  n_query: number;
  dim: number;
  base_file: string;
  query_file: string;
  groundtruth_file: string;
  [key: string]: unknown;
}

export interface DemoData {
  info: DemoDataInfo;
  base: VectorSet<Float32Array>;
  queries: VectorSet<Float32Array>;
  /** exact top-100 base rows per query by inner product (nq x 100) */
  groundTruth: VectorSet<Int32Array>;
  /** present when loaded with { texts: true } */
  baseTexts?: DemoBaseText[];
  queryTexts?: DemoQueryText[];
}

export interface DemoDataOptions {
  /** also load and gunzip the texts (base_texts.jsonl.gz, query_texts.jsonl.gz) */
  texts?: boolean;
}

/** Fetches one file of the data set by name, as bytes. */
export type FetchBytes = (name: string) => Promise<Uint8Array>;

function f16Set(name: string, bytes: Uint8Array, n: number, dim: number): VectorSet<Float32Array> {
  if (bytes.byteLength !== n * dim * 2) throw new Error(`demo data: ${name} has ${bytes.byteLength} bytes, expected ${n} x ${dim} float16 = ${n * dim * 2}`);
  const halves = new Uint16Array(n * dim);
  new Uint8Array(halves.buffer).set(bytes); // little-endian file; typed arrays are little-endian on all supported hosts
  const data = float16ToFloat32(halves);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) throw new Error(`demo data: ${name} row ${Math.floor(i / dim)} has a non-finite value`);
  }
  return { data, n, dim };
}

async function gunzipText(bytes: Uint8Array, name: string): Promise<string> {
  if (typeof DecompressionStream === 'undefined') throw new Error(`demo data: cannot gunzip ${name}: DecompressionStream is not available`);
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return await new Response(stream).text();
}

function parseJsonl<T>(text: string): T[] {
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as T);
}

/** Loads the demo data through `fetchBytes` (which maps a file name to its bytes). */
export async function loadDemoDataWith(fetchBytes: FetchBytes, opts: DemoDataOptions = {}): Promise<DemoData> {
  const info = JSON.parse(new TextDecoder().decode(await fetchBytes('dataset.json'))) as DemoDataInfo;
  for (const k of ['n_base', 'n_query', 'dim'] as const) {
    if (!Number.isInteger(info[k]) || info[k] < 1) throw new Error(`demo data: dataset.json field ${k} is invalid (${String(info[k])})`);
  }
  const [b, q, g] = await Promise.all([fetchBytes(info.base_file), fetchBytes(info.query_file), fetchBytes(info.groundtruth_file)]);
  const data: DemoData = {
    info,
    base: f16Set(info.base_file, b, info.n_base, info.dim),
    queries: f16Set(info.query_file, q, info.n_query, info.dim),
    groundTruth: parseIntVectors(info.groundtruth_file, g),
  };
  if (data.groundTruth.n !== info.n_query) throw new Error(`demo data: ground truth has ${data.groundTruth.n} rows for ${info.n_query} queries`);
  if (opts.texts) {
    const [bt, qt] = await Promise.all([fetchBytes('base_texts.jsonl.gz'), fetchBytes('query_texts.jsonl.gz')]);
    data.baseTexts = parseJsonl<DemoBaseText>(await gunzipText(bt, 'base_texts.jsonl.gz'));
    data.queryTexts = parseJsonl<DemoQueryText>(await gunzipText(qt, 'query_texts.jsonl.gz'));
  }
  return data;
}

/** Loads the demo data over HTTP(S) from `baseUrl` (the folder that holds dataset.json), with fetch(). */
export function loadDemoDataFromUrl(baseUrl: string | URL, opts: DemoDataOptions = {}): Promise<DemoData> {
  const root = String(baseUrl).endsWith('/') ? String(baseUrl) : `${String(baseUrl)}/`;
  return loadDemoDataWith(async (name) => {
    const url = new URL(name, root);
    const res = await fetch(url);
    if (!res.ok) throw new Error(`demo data: GET ${url.href} failed: ${res.status} ${res.statusText}`);
    return new Uint8Array(await res.arrayBuffer());
  }, opts);
}
