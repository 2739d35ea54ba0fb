// The typed kernel handles make a wrong binding, params field or constant name a compile error: the fixture
// compiles cleanly with its @ts-expect-error marks, and without them every marked line is an error.
import t from 'tap';
import ts from 'typescript';
import { readFileSync } from 'node:fs';

const fixture = new URL('./fixtures/typed-kernels.ts', import.meta.url).pathname;
const config = ts.getParsedCommandLineOfConfigFile(new URL('../tsconfig.json', import.meta.url).pathname, {}, {
  ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n')); },
})!;

/** Compiles the fixture (with `text` in place of its contents) and returns the 1-based lines of its errors. */
function errorLines(text: string): { line: number; message: string }[] {
  const host = ts.createCompilerHost(config.options);
  const read = host.getSourceFile.bind(host);
  host.getSourceFile = (name, lang, ...rest) => (name === fixture ? ts.createSourceFile(name, text, lang) : read(name, lang, ...rest));
  const program = ts.createProgram([fixture], { ...config.options, noEmit: true }, host);
  return ts.getPreEmitDiagnostics(program)
    .filter((d) => d.file?.fileName === fixture || !d.file)
    .map((d) => ({ line: d.file ? d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1 : 0, message: ts.flattenDiagnosticMessageText(d.messageText, ' ') }));
}

t.test('wrong kernel arguments are compile errors', async (t) => {
  const text = readFileSync(fixture, 'utf8');
  const lines = text.split('\n');
  const marked = lines.flatMap((l, i) => (l.trim().startsWith('// @ts-expect-error') ? [i + 1] : []));
  t.ok(marked.length >= 6, `${marked.length} marked calls`);
  t.same(errorLines(text), [], 'the fixture compiles: every @ts-expect-error meets an error');
  // without the marks (each replaced by an empty line, so line numbers stay), the next line of each is an error
  const bare = lines.map((l) => (l.trim().startsWith('// @ts-expect-error') ? '' : l)).join('\n');
  const errs = errorLines(bare);
  for (const m of marked) {
    const at = errs.filter((e) => e.line === m + 1);
    t.ok(at.length > 0, `line ${m + 1} (${lines[m - 1]!.trim().replace('// @ts-expect-error ', '')}): ${at[0]?.message ?? 'no error'}`);
  }
  t.same(errs.filter((e) => !marked.includes(e.line - 1)), [], 'no error on the lines that are right');
});
