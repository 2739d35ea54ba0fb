// Checks of the demo page (examples/browser/) in headless Chromium, driven by test/browser/run.mjs:
//  - Search: the page loads the demo index and the demo set; filtering and clicking a query shows the top-10
//    with the right WordNet texts; the ids equal those Node computes on the same .dvq for the same queries
//    (all 500 demo queries at two nprobe values, ties aside); screenshot -> bench/results/browser-demo.png.
//  - Benchmarks: benchKernels runs in the page (a few quick kernels) and its table is shown;
//    screenshot -> bench/results/browser-bench.png.
//  - Train: a tiny full k-means + Distill-VQ run in the page; the loss chart updates while it runs; the
//    before/after recall table is filled; screenshot -> bench/results/browser-train.png; then a second run is
//    cancelled and the page's GPU memory is back to where it was.
import { join } from 'node:path';
import { compareResults } from './compare.mjs';

/** Settings of the tiny training run (a software GPU on a loaded 2-core machine: ~1-2 minutes). */
const TINY = { 'tr-nlist': '16', 'tr-ivf-iters': '3', 'tr-pq-iters': '3', 'tr-pseudo': '100', 'tr-epochs': '1', 'tr-batch': '16', 'tr-topk': '16' };
const TINY_SELECT = { 'tr-m': '16', 'tr-bits': '4', 'tr-loss': 'listnet' };

/**
 * node: { nprobes: number[], k, results: { [nprobe]: {ids, scores} }, baseTexts: string[], queryTexts: string[], nq }
 * Every check goes through record(name, ok, detail).
 */
export async function demoChecks({ page, record, node, resultsDir }) {
  const check = async (name, fn) => {
    try {
      const r = await fn();
      record(name, r.ok, r.detail ?? '');
      return r.ok;
    } catch (e) {
      record(name, false, e.message ?? String(e));
      return false;
    }
  };
  const ev = (fn, arg) => page.evaluate(fn, arg);

  // ---- Search ----
  const searchReady = await check('[demo] Search: loads the demo index and the 500 demo queries', async () => {
    await page.waitForFunction(() => document.body.dataset.search, null, { timeout: 120_000 });
    const state = await ev(() => document.body.dataset.search);
    const listed = await page.locator('#query-list button').count();
    return { ok: state === 'ready' && listed > 0, detail: `search state ${state}; ${listed} queries listed; ${await page.textContent('#index-status')}` };
  });
  if (!searchReady) return;

  // Filter by a word, pick the first match, read the table.
  const word = 'music';
  let picked = -1;
  await check(`[demo] Search: typing "${word}" filters the queries; clicking one shows its top-10 with texts, scores, time and adapter`, async () => {
    await page.fill('#query-filter', word);
    const texts = await page.locator('#query-list button').allTextContents();
    const allMatch = texts.length > 0 && texts.every((t) => t.toLowerCase().includes(word));
    const first = page.locator('#query-list button').first();
    picked = Number(await first.getAttribute('data-q'));
    await first.click();
    await page.waitForFunction((q) => document.body.dataset.searched === String(q), picked, { timeout: 60_000 });
    const rows = await page.locator('#search-results tr[data-id]').evaluateAll((trs) => trs.map((tr) => ({
      id: Number(tr.dataset.id), entry: tr.querySelector('td.entry').textContent, score: Number(tr.children[2].textContent),
    })));
    const meta = await page.textContent('#result-meta');
    const title = await page.textContent('#result-title');
    const bad = [];
    if (!allMatch) bad.push(`filter listed ${texts.length} queries, not all containing "${word}"`);
    if (rows.length !== 10) bad.push(`${rows.length} result rows, expected 10`);
    for (const r of rows) {
      const want = node.baseTexts[r.id]?.replace(': ', ' ');
      if (!want || !r.entry.startsWith(want)) bad.push(`row id ${r.id}: text "${r.entry}" is not the entry "${want}"`);
      if (!Number.isFinite(r.score)) bad.push(`row id ${r.id}: score "${r.score}"`);
    }
    if (!title.includes(node.queryTexts[picked])) bad.push(`title "${title}" is not the query text`);
    if (!/search [\d.]+ ms/.test(meta)) bad.push(`no search time in "${meta}"`);
    if (!/recall@10 vs exact [\d.]+/.test(meta)) bad.push(`no recall in "${meta}"`);
    if (!meta.includes(node.pageAdapter)) bad.push(`adapter "${node.pageAdapter}" not shown in "${meta}"`);
    // same ids as Node (nprobe 8, k 10: the page's defaults), ties aside; scores shown with 4 decimals
    const nprobe = Number(await page.inputValue('#search-nprobe')), k = Number(await page.inputValue('#search-k'));
    const ref = node.results[nprobe];
    if (!ref || k !== node.k) bad.push(`page uses k ${k} nprobe ${nprobe}; Node reference has k ${node.k} nprobes ${node.nprobes}`);
    else {
      const n = { ids: ref.ids.slice(picked * k, picked * k + k), scores: ref.scores.slice(picked * k, picked * k + k) };
      const c = compareResults(n, { ids: rows.map((r) => r.id), scores: rows.map((r) => r.score) }, 1, k, 2e-4);
      if (c.mismatches.length) bad.push(`ids differ from Node: ${c.mismatches.join('; ')}`);
    }
    return { ok: bad.length === 0, detail: bad.length ? bad.join('\n') : `query ${picked} "${node.queryTexts[picked]}": ${rows.map((r) => r.id).join(' ')}; ${meta.replace(/\s+/g, ' ')}` };
  });

  for (const nprobe of node.nprobes) {
    await check(`[demo] Search: the page returns the same ids as Node for all ${node.nq} demo queries (k ${node.k}, nprobe ${nprobe}, same .dvq)`, async () => {
      const rows = Array.from({ length: node.nq }, (_, i) => i);
      const got = await ev(({ rows, k, nprobe }) => window.dvqDemo.searchQueries(rows, k, nprobe), { rows, k: node.k, nprobe });
      const c = compareResults(node.results[nprobe], got, node.nq, node.k);
      return {
        ok: c.mismatches.length === 0 && c.identical > 0,
        detail: `${c.identical}/${c.ranks} ranks identical, ${c.tieSwaps} swaps between tied scores`
          + (c.mismatches.length ? `\n${c.mismatches.length} mismatches:\n${c.mismatches.slice(0, 8).join('\n')}` : ''),
      };
    });
  }

  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(resultsDir, 'browser-demo.png'), fullPage: true });

  // ---- Benchmarks (a few quick kernels: the table is what is checked, not the speed) ----
  const kernels = ['scores', 'topk', 'residuals', 'adcLut'];
  await check(`[demo] Benchmarks: runs benchKernels in the page (quick ${kernels.join(', ')}) and shows its table`, async () => {
    await page.click('[data-tab="benchmarks"]');
    await page.locator('#bench-kernels input').evaluateAll((cbs, ks) => { for (const c of cbs) c.checked = ks.includes(c.value); }, kernels);
    await page.click('#bench-run');
    await page.waitForFunction(() => document.body.dataset.bench && document.body.dataset.bench !== 'running', null, { timeout: 120_000, polling: 500 });
    const state = await ev(() => document.body.dataset.bench);
    const rows = await page.locator('#bench-results tr').evaluateAll((trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    const okRows = rows.length >= kernels.length && rows.every((r) => kernels.includes(r[0]) && Number(r[4]) > 0 && /(GFLOP|GB)\/s/.test(r[5]))
      && kernels.every((k) => rows.some((r) => r[0] === k));
    await page.screenshot({ path: join(resultsDir, 'browser-bench.png'), fullPage: true });
    return { ok: state === 'done' && okRows, detail: `state ${state}\n${rows.map((r) => r.slice(0, 6).join(' | ')).join('\n')}` };
  });

  // ---- Train ----
  await page.click('[data-tab="train"]');
  const before = await ev(() => window.dvqDemo.gpu());
  for (const [id, v] of Object.entries(TINY)) await page.fill(`#${id}`, v);
  for (const [id, v] of Object.entries(TINY_SELECT)) await page.selectOption(`#${id}`, v);
  const t0 = Date.now();
  await page.click('#train-run');
  await check('[demo] Train: the loss chart updates while Distill-VQ runs in the page', async () => {
    await page.waitForFunction(() => Number(document.getElementById('chart-loss').dataset.points) > 0 || document.body.dataset.train !== 'running',
      null, { timeout: 400_000, polling: 500 });
    const s = await ev(() => ({ state: document.body.dataset.train, points: Number(document.getElementById('chart-loss').dataset.points), status: document.getElementById('train-status').textContent }));
    return { ok: s.state === 'running' && s.points > 0, detail: `${s.points} loss points while ${s.state}: ${s.status}` };
  });
  await check('[demo] Train: a tiny k-means + Distill-VQ run finishes with before/after recall@10 on the demo queries', async () => {
    await page.waitForFunction(() => document.body.dataset.train !== 'running', null, { timeout: 400_000, polling: 1000 });
    const s = await ev(() => ({
      state: document.body.dataset.train, status: document.getElementById('train-status').textContent,
      loss: Number(document.getElementById('chart-loss').dataset.points), recall: Number(document.getElementById('chart-recall').dataset.points),
      table: [...document.querySelectorAll('#train-recall tr')].map((tr) => [...tr.children].map((td) => td.textContent)),
    }));
    const pctOk = (t) => /^\d+(\.\d)?%$/.test(t) && Number(t.slice(0, -1)) > 0 && Number(t.slice(0, -1)) <= 100;
    const tableOk = s.table.length >= 3 && s.table.every((r) => r.length === 4 && pctOk(r[1]) && pctOk(r[2]) && /pt$/.test(r[3]));
    // the status says what distillation gained (or plainly that it gained nothing) and what the index now is
    const said = /Distill-VQ: (validation recall@10 [\d.]+ -> [\d.]+|no gain: .*k-means start unchanged)/.test(s.status);
    const ok = s.state === 'done' && tableOk && s.loss >= 2 && s.recall === Number(TINY['tr-epochs']) + 1 && said;
    return { ok, detail: `${s.state} after ${((Date.now() - t0) / 1000).toFixed(0)} s; ${s.loss} loss points, ${s.recall} recall points\n`
      + `${s.table.map((r) => r.join(' | ')).join('\n')}\n${s.status}` };
  });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(resultsDir, 'browser-train.png'), fullPage: true });

  await check('[demo] Train: Cancel stops a run and frees its GPU memory', async () => {
    await page.click('#train-run');
    await page.waitForSelector('#train-steps li.active', { timeout: 60_000 });
    await page.click('#train-cancel');
    await page.waitForFunction(() => document.body.dataset.train !== 'running', null, { timeout: 120_000, polling: 250 });
    const state = await ev(() => document.body.dataset.train);
    const status = await page.textContent('#train-status');
    const after = await ev(() => window.dvqDemo.gpu());
    const err = await page.isVisible('#error');
    return {
      ok: state === 'cancelled' && /cancelled/i.test(status) && after.liveBuffers === before.liveBuffers && after.liveBytes === before.liveBytes && !err,
      detail: `state ${state}; "${status}"; live GPU buffers ${after.liveBuffers} (${after.liveBytes} B), before training ${before.liveBuffers} (${before.liveBytes} B)${err ? '; error banner shown' : ''}`,
    };
  });
}
