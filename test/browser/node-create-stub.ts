// Replaces src/node/create.ts for the Node test files bundled for the page: they get the page's shared
// browser engine (made by the harness from the library bundle).
import type { Engine, EngineOptions } from '../../src/browser.js';

export async function createEngine(_opts?: EngineOptions): Promise<Engine> {
  const get = (globalThis as unknown as { __dvqEngine?: () => Promise<Engine> }).__dvqEngine;
  if (!get) throw new Error('the browser harness has not set up an engine');
  return get();
}
