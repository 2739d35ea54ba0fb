// WGSL is composed from modules (src/shaders/lib, `#include`), so no shader file repeats a block of another:
// no run of RUN or more identical lines (comments, blank lines and indentation ignored) stands in two files.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const RUN = 6;
const dir = new URL('../src/shaders/', import.meta.url).pathname;

function wgslFiles(sub = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, sub), { withFileTypes: true })) {
    const rel = sub ? `${sub}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...wgslFiles(rel));
    else if (e.name.endsWith('.wgsl')) out.push(rel);
  }
  return out.sort();
}

/** The code lines of a file with their line numbers: comments stripped, whitespace collapsed, blanks dropped. */
function codeLines(text: string): { text: string; line: number }[] {
  return text.split('\n')
    .map((l, i) => ({ text: l.replace(/\/\/.*$/, '').trim().replace(/\s+/g, ' '), line: i + 1 }))
    .filter((l) => l.text.length > 0);
}

/** Every run of RUN or more identical code lines that two different files share (the longest at each start). */
export function sharedRuns(files: { name: string; text: string }[], run = RUN): string[] {
  const lines = files.map((f) => ({ name: f.name, code: codeLines(f.text) }));
  const found: string[] = [];
  for (let a = 0; a < lines.length; a++) {
    for (let b = a + 1; b < lines.length; b++) {
      const A = lines[a]!.code, B = lines[b]!.code;
      for (let i = 0; i + run <= A.length; i++) {
        for (let j = 0; j + run <= B.length; j++) {
          if (i > 0 && j > 0 && A[i - 1]!.text === B[j - 1]!.text) continue; // inside a longer run
          let n = 0;
          while (i + n < A.length && j + n < B.length && A[i + n]!.text === B[j + n]!.text) n++;
          if (n >= run) found.push(`${lines[a]!.name}:${A[i]!.line}-${A[i + n - 1]!.line} = ${lines[b]!.name}:${B[j]!.line}-${B[j + n - 1]!.line} (${n} lines)`);
        }
      }
    }
  }
  return found;
}

t.test('no two shader files share a block of six or more identical lines', async (t) => {
  const files = wgslFiles().map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
  t.ok(files.length > 40 && files.some((f) => f.name.startsWith('lib/')), `read ${files.length} kernels and modules`);
  const runs = sharedRuns(files);
  t.same(runs, [], runs.length ? `shared blocks (move them into a module in src/shaders/lib):\n${runs.join('\n')}` : 'no shared blocks');
});

t.test('the check finds a copied block', async (t) => {
  const block = ['a = 1;', 'b = 2;', 'c = 3;', '// a comment', 'd = 4;', 'e = 5;', 'f = 6;'].join('\n');
  t.same(sharedRuns([{ name: 'x', text: `x0;\n${block}\nx1;` }, { name: 'y', text: `  ${block.replace(/\n/g, '\n  ')}\ny1;` }]),
    ['x:2-8 = y:1-7 (6 lines)'], 'six identical code lines, indented differently and with a comment, are one shared run');
  t.same(sharedRuns([{ name: 'x', text: block }, { name: 'y', text: block.replace('e = 5;', 'e = 6;') }]), [], 'five are not');
});
