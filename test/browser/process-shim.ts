// Injected (esbuild `inject`) into the Node test files bundled for the page: the bits of Node's `process`
// that test/helpers.ts uses (SEED from the page URL, once() for the engine cleanup, which the page handles).
const seed = new URLSearchParams(globalThis.location?.search ?? '').get('seed');
export const process = {
  env: seed !== null ? { SEED: seed } as Record<string, string | undefined> : {} as Record<string, string | undefined>,
  pid: 1,
  platform: 'browser',
  once() { return process; },
  on() { return process; },
  getuid: undefined,
};
