// Node: loads the demo data shipped in the package (data/demo, two folders above src/io and dist/io).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadDemoDataWith, type DemoData, type DemoDataOptions } from './demo-data.js';

/** The folder of the shipped demo data. */
export function demoDataDir(): string {
  return fileURLToPath(new URL('../../data/demo/', import.meta.url));
}

/** Loads the demo data from `dir` (default: the package's data/demo). */
export function loadDemoData(opts: DemoDataOptions & { dir?: string } = {}): Promise<DemoData> {
  const dir = opts.dir ?? demoDataDir();
  return loadDemoDataWith(async (name) => {
    try {
      return new Uint8Array(await readFile(join(dir, name)));
    } catch (e) {
      throw new Error(`demo data: cannot read ${join(dir, name)}: ${(e as Error).message}`);
    }
  }, opts);
}
