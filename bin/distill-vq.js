#!/usr/bin/env node
// Command-line entry; the code lives in dist/cli/main.js (built by `npm run build`).
import { main } from '../dist/cli/main.js';
const code = await main(process.argv.slice(2));
process.exitCode = code;
