// Imports run one way, down the layers of test/layers.ts: no upward import, no import cycle, no file outside a
// layer. The checker is also tested on synthetic graphs, and the docs must show the same order.
import t from 'tap';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { LAYERS, checkLayers, importGraph, importsOf, layerOf, layersInDiagram, repoRoot, type Layer } from './layers.js';

t.test('src/ follows the layer order', async (t) => {
  const graph = importGraph(repoRoot);
  t.ok(graph.size > 50 && graph.has('src/index/ivfpq.ts'), `the scan found the sources (${graph.size} files)`);
  t.ok((graph.get('src/index/ivfpq.ts') ?? []).includes('src/io/index-file.ts'), 'importNodeOnly specifiers count as imports');
  const r = checkLayers(graph);
  t.same(r.unlayered, [], 'every src file belongs to a layer');
  t.same(r.upward, [], 'no file imports a higher layer');
  t.same(r.cycles, [], 'no file-level import cycle');
});

t.test('the checker reports upward imports, cycles and files outside the layers', async (t) => {
  const layers: Layer[] = [{ name: 'low', paths: ['src/low/'] }, { name: 'mid', paths: ['src/mid.ts'] }, { name: 'high', paths: ['src/high/'] }];
  t.equal(layerOf('src/low/a.ts', layers), 0);
  t.equal(layerOf('src/mid.ts', layers), 1);
  t.equal(layerOf('src/mid.tsx', layers), -1, 'a file path matches exactly');
  const graph = new Map<string, string[]>([
    ['src/low/a.ts', ['src/high/b.ts']],          // upward
    ['src/high/b.ts', ['src/low/a.ts', 'src/mid.ts']],
    ['src/mid.ts', ['src/low/c.ts']],
    ['src/low/c.ts', ['src/low/c.ts']],           // a file importing itself
    ['src/other/d.ts', []],
  ]);
  const r = checkLayers(graph, layers);
  t.same(r.upward, ['src/low/a.ts (low) -> src/high/b.ts (high)']);
  t.same(r.cycles, [['src/high/b.ts', 'src/low/a.ts'], ['src/low/c.ts']]);
  t.same(r.unlayered, ['src/other/d.ts']);
  const clean = checkLayers(new Map([['src/high/b.ts', ['src/mid.ts']], ['src/mid.ts', ['src/low/a.ts']], ['src/low/a.ts', []]]), layers);
  t.same(clean, { upward: [], cycles: [], unlayered: [] }, 'a downward graph passes');
});

t.test('every kind of import is found; comments and non-source strings are not', async (t) => {
  const files = new Set(['src/a/x.ts', 'src/a/y.ts', 'src/b/z.ts', 'src/b/w.ts', 'src/b/v.ts', 'src/b/u.ts', 'src/c.ts']);
  const source = `
    import { p } from './y.js';
    import type { Q } from '../b/z.js';
    export * from '../b/w.js';
    const m = await import('../b/v.js');
    type T = typeof import('../c.js');
    const n = await importNodeOnly<T>('../b/u.js');
    // import { gone } from '../b/gone.js';   a comment
    const folder = new URL('../../data/demo/', import.meta.url);
    import x from 'node:fs';`;
  t.same(importsOf('src/a/x.ts', source, files), ['src/a/y.ts', 'src/b/u.ts', 'src/b/v.ts', 'src/b/w.ts', 'src/b/z.ts', 'src/c.ts']);
});

t.test('docs/architecture.md and the README show the layer order', async (t) => {
  const order = LAYERS.map((l) => l.name).reverse();
  for (const [file, heading] of [['docs/architecture.md', '## Layers and files'], ['README.md', '## Architecture']] as const) {
    t.same(layersInDiagram(readFileSync(join(repoRoot, file), 'utf8'), heading), order, `${file}: the layers diagram, highest first`);
  }
});

t.test('docs/architecture.md has a line for every source file, and only for files that exist', async (t) => {
  const rows = [...readFileSync(join(repoRoot, 'docs/architecture.md'), 'utf8').matchAll(/^\| `(src\/[^`]+)` \|(.*)$/gm)];
  const named = new Set(rows.map((m) => m[1]!));
  t.same([...importGraph(repoRoot).keys()].filter((f) => !named.has(f)), [], 'every src .ts file has its line');
  // a wildcard row stands for many files; a generated file exists only after the build
  const stale = rows.filter(([, path, text]) => !path!.includes('*') && !/generated/.test(text!) && !existsSync(join(repoRoot, path!)));
  t.same(stale.map((m) => m[1]), [], 'every file named there exists');
});
