// The layer order of src/, written down once (docs/architecture.md and the README show the same order), and the
// checker that test/layering.test.ts runs: a file may import only files of its own layer or of lower layers, no
// file-level import cycle, and every src file belongs to a layer.
import ts from 'typescript';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';

export interface Layer {
  name: string;
  /** repo-relative paths: a folder (ending in '/') or one file */
  paths: readonly string[];
}

/** Lowest first. */
export const LAYERS: readonly Layer[] = [
  { name: 'util', paths: ['src/util/'] },
  { name: 'shaders', paths: ['src/shaders/'] },
  { name: 'pipeline', paths: ['src/pipeline/'] },
  { name: 'kernels', paths: ['src/kernels/'] },
  { name: 'autograd', paths: ['src/autograd/'] },
  { name: 'quantizers', paths: ['src/quantizers/'] },
  { name: 'io', paths: ['src/io/'] },
  { name: 'index', paths: ['src/index/'] },
  { name: 'training', paths: ['src/training/'] },
  { name: 'bench', paths: ['src/bench/'] },
  { name: 'api', paths: ['src/api.ts', 'src/api/'] },
  { name: 'entries', paths: ['src/index.ts', 'src/browser.ts', 'src/node/'] },
  { name: 'cli', paths: ['src/cli/'] },
];

/** The layer index of a repo-relative file path (posix separators), or -1 when no layer holds it. */
export function layerOf(file: string, layers: readonly Layer[] = LAYERS): number {
  return layers.findIndex((l) => l.paths.some((p) => (p.endsWith('/') ? file.startsWith(p) : file === p)));
}

/** A file's dependencies: every relative string literal in it that names a file of `files` (a '.js' specifier names
 *  the '.ts' source). This covers static imports and re-exports, `import('...')`, `typeof import('...')` and
 *  specifiers handed to helpers such as importNodeOnly('./x.js'); comments are not code and are skipped. */
export function importsOf(file: string, source: string, files: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const visit = (node: ts.Node): void => {
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && /^\.\.?\//.test(node.text)) {
      const target = posix.normalize(posix.join(posix.dirname(file), node.text));
      for (const candidate of [target.replace(/\.js$/, '.ts'), target, `${target}.ts`]) {
        if (files.has(candidate)) { out.add(candidate); break; }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return [...out].sort();
}

/** The import graph of every .ts file under `root`/src, keyed by repo-relative posix path. */
export function importGraph(root: string): Map<string, string[]> {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts')) files.push(relative(root, p).split(sep).join('/'));
    }
  };
  walk(join(root, 'src'));
  const set = new Set(files);
  return new Map(files.sort().map((f) => [f, importsOf(f, readFileSync(join(root, f), 'utf8'), set)]));
}

export interface LayerReport {
  /** imports of a file in a higher layer: "from (layer) -> to (layer)" */
  upward: string[];
  /** file-level import cycles, each as its files */
  cycles: string[][];
  /** files that belong to no layer */
  unlayered: string[];
}

/** Checks a graph against the layers. */
export function checkLayers(graph: ReadonlyMap<string, readonly string[]>, layers: readonly Layer[] = LAYERS): LayerReport {
  const upward: string[] = [], unlayered: string[] = [];
  for (const [from, deps] of graph) {
    const lf = layerOf(from, layers);
    if (lf < 0) { unlayered.push(from); continue; }
    for (const to of deps) {
      const lt = layerOf(to, layers);
      if (lt > lf) upward.push(`${from} (${layers[lf]!.name}) -> ${to} (${layers[lt]!.name})`);
    }
  }
  return { upward, cycles: cyclesOf(graph), unlayered };
}

/** Strongly connected components with more than one file, or a file that imports itself (Tarjan). */
export function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>(), low = new Map<string, number>();
  const stack: string[] = [], onStack = new Set<string>(), out: string[][] = [];
  let next = 0;
  const connect = (v: string): void => {
    index.set(v, next); low.set(v, next); next++;
    stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) { connect(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return out.sort((a, b) => a[0]!.localeCompare(b[0]!));
}

/** The layer names of the first ```text block after `heading` in a Markdown file, top line first. */
export function layersInDiagram(markdown: string, heading: string): string[] {
  const at = markdown.indexOf(heading);
  if (at < 0) return [];
  const block = /```text\n([\s\S]*?)```/.exec(markdown.slice(at));
  if (!block) return [];
  return block[1]!.split('\n').map((l) => /^([a-z]+)\s/.exec(l)?.[1]).filter((x): x is string => !!x);
}

export const repoRoot = join(dirname(new URL(import.meta.url).pathname), '..');
