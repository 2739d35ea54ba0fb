// Demo shell: loads the library bundle, creates the WebGPU engine, shows the adapter, wires the tabs and
// shows every error ON THE PAGE (missing WebGPU, a bundle that failed to load, errors of any action).
// body[data-state] is 'loading', then 'ready' or 'error' (the browser test waits on it).
import { mountSearch } from './search.js';
import { mountTrain } from './train.js';
import { mountBenchmarks } from './bench.js';

const $ = (id) => document.getElementById(id);
const LIB_URL = '../../dist/browser/distill-vq.js';
const DEMO_DATA_URL = new URL('../../data/demo/', import.meta.url);

/** Shows an error in the banner at the top of the page (title in bold, message below). */
export function showError(title, err) {
  const box = $('error');
  const msg = err instanceof Error ? err.message : String(err ?? '');
  box.replaceChildren();
  const strong = document.createElement('strong');
  strong.textContent = title;
  box.append(strong, document.createTextNode(msg));
  box.hidden = false;
}

export function clearError() { $('error').hidden = true; $('error').replaceChildren(); }

function fatal(title, err) {
  showError(title, err);
  $('adapter').textContent = 'WebGPU unavailable';
  document.body.dataset.state = 'error';
}

function setupTabs() {
  const buttons = [...document.querySelectorAll('[data-tab]')];
  const open = (name) => {
    for (const b of buttons) {
      const on = b.dataset.tab === name;
      b.setAttribute('aria-selected', String(on));
      $(`panel-${b.dataset.tab}`).hidden = !on;
    }
    if (location.hash !== `#${name}`) history.replaceState(null, '', `#${name}`);
  };
  for (const b of buttons) b.addEventListener('click', () => open(b.dataset.tab));
  const initial = location.hash.slice(1);
  open(buttons.some((b) => b.dataset.tab === initial) ? initial : 'search');
}

addEventListener('error', (e) => showError('Unexpected error', e.error ?? e.message));
addEventListener('unhandledrejection', (e) => showError('Unexpected error', e.reason));

async function start() {
  setupTabs();
  let lib;
  try {
    lib = await import(LIB_URL);
  } catch (e) {
    fatal('Could not load the distill-vq library', `${e.message}\nBuild it with \`npm run build:browser\` and serve the repository with \`npm run serve:demo\`.`);
    return;
  }
  let engine;
  try {
    engine = await lib.createEngine();
  } catch (e) {
    fatal('WebGPU is not available', e);
    return;
  }
  $('adapter').textContent = engine.adapterName;
  engine.device?.lost?.then?.((info) => {
    if (info.reason !== 'destroyed') fatal('The GPU device was lost', `${info.message || info.reason}. Reload the page.`);
  });
  // The demo set (vectors, texts, exact top-100) is shared by the Search and Train tabs.
  const demo = lib.loadDemoDataFromUrl(DEMO_DATA_URL, { texts: true });
  demo.catch((e) => showError('Could not load the demo data set', e));
  const ctx = { lib, engine, demo, showError, clearError };
  // Each tab is a module with its own mount function; they share ctx (the engine and the loaded index).
  mountSearch(ctx);
  mountTrain(ctx);
  mountBenchmarks(ctx);
  // for the browser test: GPU memory held by the page's engine
  window.dvqDemo = { ...(window.dvqDemo ?? {}), gpu: () => ({ liveBuffers: engine.liveBuffers, liveBytes: engine.liveBytes }) };
  addEventListener('pagehide', () => { ctx.index?.dispose?.(); engine.dispose(); });
  document.body.dataset.state = 'ready';
}

start();
