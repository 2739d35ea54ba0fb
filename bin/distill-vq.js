#!/usr/bin/env node
// Command-line entry; the code lives in dist/cli/main.js (built by `npm run build`). main() returns the exit code
// (0 success, 1 error, 2 usage, 130 cancelled) and never throws. Once stdout and stderr have flushed, the process
// exits with that code at once rather than waiting for the event loop to drain: nothing is left to run, and an
// idle GPU runtime's timers or native teardown cannot then hang the exit or turn the code into a crash.
import { main } from '../dist/cli/main.js';

// a reader that went away (`distill-vq ... | head`) is not an error of ours
for (const s of [process.stdout, process.stderr]) s.on('error', (e) => { if (e.code !== 'EPIPE') throw e; });
const code = await main(process.argv.slice(2));
const flushed = (s) => new Promise((done) => { if (s.destroyed) done(); else s.write('', () => done()); });
await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
process.exit(code);
