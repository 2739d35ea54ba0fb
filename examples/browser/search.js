// Search tab: loads a .dvq index (by default the demo index made by `npm run demo-index`) and the demo set's
// queries and texts; the user filters the 500 demo queries by text, picks one, and sees the top-k entries
// with their texts and scores, the exact (brute-force) top-10 next to them, recall, search time and adapter.
// `window.dvqDemo` exposes the same search to the browser test (test/browser/run.mjs compares it with Node).
import { $, status, stats, fmtBytes, guarded, entryNodes } from './util.js';

export const DEFAULT_INDEX = '../../dist/demo/demo-ivf64-pq32.dvq';
const MAX_LISTED = 80;

export function mountSearch(ctx) {
  const { lib, engine } = ctx;
  let demo = null;
  let current = -1; // selected query row
  let searching = Promise.resolve();

  const params = new URLSearchParams(location.search);
  const indexUrl = new URL(params.get('index') ?? DEFAULT_INDEX, location.href).href;
  $('index-url').value = params.get('index') ?? DEFAULT_INDEX;

  /** Makes `index` the one searched here (the Train tab calls this too) and disposes the previous one. */
  ctx.setIndex = async (index, label) => {
    if (ctx.index && ctx.index !== index) ctx.index.dispose();
    ctx.index = index;
    ctx.indexLabel = label;
    stats('index-stats', [
      ['source', label], ['vectors', index.ntotal.toLocaleString()], ['dimension', index.dim], ['metric', index.metric === 'ip' ? 'inner product' : 'squared L2'],
      ['lists (nlist)', index.nlist], ['PQ', `${index.m} × ${index.bits} bits`],
      ['code size', `${index.codeSize} B + 4 B id per vector`], ['GPU memory in use', fmtBytes(engine.liveBytes)],
    ]);
    const sel = $('search-nprobe'), prev = Number(sel.value) || 8;
    sel.replaceChildren();
    for (let p = 1; ; p = Math.min(p * 2, index.nlist)) {
      const o = document.createElement('option');
      o.textContent = String(p);
      sel.append(o);
      if (p === index.nlist) break;
    }
    sel.value = String(Math.min(prev, index.nlist));
    if (!sel.value) sel.value = String(index.nlist);
    // One untimed search compiles the GPU pipelines, so the times shown are the search itself.
    if (demo && index.ntotal > 0) await index.search(demo.queries.data.subarray(0, index.dim), searchOpts());
    status('index-status', `${label}: IVF${index.nlist},PQ${index.m}x${index.bits}, ${index.ntotal.toLocaleString()} vectors.`);
    if (current >= 0) await runSearch(current);
  };

  const loadIndex = async (source, label) => {
    status('index-status', `Loading ${label}…`);
    const index = await lib.IvfPqIndex.load(engine, source);
    if (demo && index.dim !== demo.info.dim) {
      index.dispose();
      throw new Error(`${label} has dimension ${index.dim}; the demo queries have ${demo.info.dim}`);
    }
    await ctx.setIndex(index, label);
  };

  $('index-load').addEventListener('click', () => guarded(ctx, 'index-load', 'index-status', 'Loading the index', async () => {
    const url = $('index-url').value.trim();
    if (!url) throw new Error('enter the URL of a .dvq file first');
    await loadIndex(new URL(url, location.href), url);
  }));
  $('index-file').addEventListener('change', () => guarded(ctx, 'index-load', 'index-status', 'Loading the index', async () => {
    const f = $('index-file').files?.[0];
    if (f) await loadIndex(new Uint8Array(await f.arrayBuffer()), f.name);
  }));

  // ---- query list -------------------------------------------------------------------------------------------
  const renderList = () => {
    const needle = $('query-filter').value.trim().toLowerCase();
    const list = $('query-list');
    list.replaceChildren();
    const texts = demo.queryTexts;
    const matches = [];
    for (let i = 0; i < texts.length; i++) if (!needle || texts[i].text.toLowerCase().includes(needle)) matches.push(i);
    for (const i of matches.slice(0, MAX_LISTED)) {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.q = String(i);
      b.textContent = texts[i].text;
      if (i === current) b.classList.add('selected');
      b.addEventListener('click', () => select(i));
      li.append(b);
      list.append(li);
    }
    $('query-count').textContent = matches.length === 0 ? `no query contains “${needle}”`
      : `${matches.length} of ${texts.length} queries${matches.length > MAX_LISTED ? ` (first ${MAX_LISTED} shown)` : ''}`;
    return matches;
  };

  const select = (i) => {
    current = i;
    for (const b of $('query-list').querySelectorAll('button.selected')) b.classList.remove('selected');
    $('query-list').querySelector(`button[data-q="${i}"]`)?.classList.add('selected');
    return runSearch(i);
  };

  $('query-filter').addEventListener('input', renderList);
  $('query-filter').addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    const first = renderList()[0];
    if (first !== undefined) select(first);
  });
  for (const id of ['search-k', 'search-nprobe']) $(id).addEventListener('change', () => { if (current >= 0) runSearch(current); });

  // ---- search ----------------------------------------------------------------------------------------------
  const searchOpts = () => {
    const index = ctx.index;
    return { k: Math.min(Number($('search-k').value), index.ntotal), nprobe: Math.min(Number($('search-nprobe').value), index.nlist) };
  };

  function runSearch(qi) {
    searching = searching.then(() => guarded(ctx, null, 'search-status', 'Search', async () => {
      const index = ctx.index;
      if (!index || !demo) {
        status('search-status', 'No index is loaded: run `npm run demo-index` and reload, load a .dvq (Index, on the left), or train one in the Train tab.', true);
        return;
      }
      const dim = demo.info.dim;
      const { k, nprobe } = searchOpts();
      const t0 = performance.now();
      const res = await index.search(demo.queries.data.subarray(qi * dim, (qi + 1) * dim), { k, nprobe });
      const ms = performance.now() - t0;
      showResults(qi, res, ms, k, nprobe);
    }));
    return searching;
  }

  function showResults(qi, res, ms, k, nprobe) {
    const q = demo.queryTexts[qi];
    const gt = demo.groundTruth;
    const kk = Math.min(10, k);
    const exact = Array.from(gt.data.subarray(qi * gt.dim, qi * gt.dim + kk));
    const exactSet = new Set(exact);
    const ids = Array.from(res.ids.subarray(0, res.k)).filter((id) => id >= 0);
    const found = new Set(ids.slice(0, kk));
    const hits = exact.filter((id) => found.has(id)).length;
    const texts = demo.baseTexts;
    const hasTexts = ctx.index.ntotal === texts.length; // the demo index: id = row of the demo base set

    $('result-title').textContent = `“${q.text}”`;
    const src = $('result-source');
    src.replaceChildren();
    if (texts[q.source_base_index]) src.append('usage example of ', ...entryNodes(texts[q.source_base_index].text));

    const chips = $('result-meta');
    chips.replaceChildren();
    const chip = (label, value, cls = '') => {
      const c = document.createElement('span');
      c.className = `chip ${cls}`;
      const b = document.createElement('b'); b.textContent = value;
      c.append(`${label} `, b);
      chips.append(c);
    };
    chip('search', `${ms.toFixed(1)} ms`);
    chip(`recall@${kk} vs exact`, (hits / kk).toFixed(2), hits === kk ? 'good' : hits >= kk * 0.6 ? '' : 'low');
    chip('nprobe', `${nprobe} of ${ctx.index.nlist} lists`);
    chip('index', `IVF${ctx.index.nlist},PQ${ctx.index.m}x${ctx.index.bits} · ${ctx.index.ntotal.toLocaleString()} vectors`);
    chip('GPU', engine.adapterName);

    const body = $('search-results');
    body.replaceChildren();
    ids.forEach((id, r) => {
      const tr = document.createElement('tr');
      tr.dataset.id = String(id);
      if (exactSet.has(id)) tr.classList.add('hit');
      const td = (content, cls = '') => { const c = document.createElement('td'); if (cls) c.className = cls; c.append(...content); tr.append(c); return c; };
      td([String(r + 1)], 'num muted');
      const entry = td(hasTexts && texts[id] ? entryNodes(texts[id].text) : ['(no text: not a demo-set id)'], 'entry');
      if (id === q.source_base_index) {
        const s = document.createElement('span'); s.className = 'badge'; s.textContent = 'source entry'; entry.append(' ', s);
      }
      td([res.scores[r].toFixed(4)], 'num mono');
      td([exactSet.has(id) ? `✓ #${exact.indexOf(id) + 1}` : ''], 'center hitmark');
      td([String(id)], 'num mono muted');
      body.append(tr);
    });
    if (!ids.length) body.append(Object.assign(document.createElement('tr'), { className: 'empty', innerHTML: '<td colspan="5">No results.</td>' }));

    const ol = $('exact-results');
    ol.replaceChildren();
    for (const id of Array.from(gt.data.subarray(qi * gt.dim, qi * gt.dim + 10))) {
      const li = document.createElement('li');
      li.append(...entryNodes(texts[id]?.text ?? String(id)));
      li.className = found.has(id) ? 'found' : 'missed';
      li.title = found.has(id) ? 'also found by the index' : 'missed by the index at this nprobe';
      ol.append(li);
    }
    status('search-status', `Top ${k} of ${ctx.index.ntotal.toLocaleString()} by inner product; search time includes the upload of the query and the read-back of the results. ${hits}/${kk} of the exact top-${kk} found.`);
    document.body.dataset.searched = String(qi);
  }

  // ---- start: demo set, then the index ---------------------------------------------------------------------
  (async () => {
    status('index-status', 'Loading the demo set (8,000 × 512 vectors and texts)…');
    try {
      demo = await ctx.demo;
    } catch (e) {
      status('index-status', `Could not load the demo set: ${e.message}`, true);
      return;
    }
    $('query-filter').disabled = false;
    renderList();
    try {
      await loadIndex(new URL(indexUrl), indexUrl.replace(/^.*\//, ''));
    } catch (e) {
      const missing = /HTTP 404/.test(e.message);
      status('index-status', missing
        ? `No index at ${$('index-url').value}. Run \`npm run demo-index\` (then reload), load a .dvq below, or train one in the Train tab.`
        : `Could not load the index: ${e.message}`, true);
      $('search-results').replaceChildren(Object.assign(document.createElement('tr'), { className: 'empty', innerHTML: '<td colspan="5">No index loaded: run <code>npm run demo-index</code> and reload, load a <code>.dvq</code> (Index, on the left), or train one in the Train tab.</td>' }));
      if (!missing) ctx.showError('Could not load the index', e);
      document.body.dataset.search = 'no-index';
      return;
    }
    const q0 = Number(params.get('q') ?? 0);
    await select(Number.isInteger(q0) && q0 >= 0 && q0 < demo.queryTexts.length ? q0 : 0);
    document.body.dataset.search = 'ready';
  })();

  // For the browser test: the page's own search over demo queries (same index, same call as the UI).
  window.dvqDemo = {
    ...(window.dvqDemo ?? {}),
    select,
    async searchQueries(rows, k, nprobe) {
      const dim = demo.info.dim;
      const q = new Float32Array(rows.length * dim);
      rows.forEach((r, i) => q.set(demo.queries.data.subarray(r * dim, (r + 1) * dim), i * dim));
      const res = await ctx.index.search(q, { k, nprobe });
      return { ids: Array.from(res.ids), scores: Array.from(res.scores) };
    },
  };
}
