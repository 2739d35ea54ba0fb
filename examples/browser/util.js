// Small DOM and formatting helpers shared by the demo's tabs.
export const $ = (id) => document.getElementById(id);

/** Sets a status line; `bad` marks it as an error. */
export function status(id, text, bad = false) {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle('bad', bad);
}

/** Fills a <dl> with [label, value] pairs. */
export function stats(id, pairs) {
  const dl = $(id);
  dl.replaceChildren();
  for (const [k, v] of pairs) {
    const dt = document.createElement('dt'); dt.textContent = k;
    const dd = document.createElement('dd'); dd.textContent = String(v);
    dl.append(dt, dd);
  }
}

/** Appends a table row of text cells. */
export function row(tbody, cells) {
  const tr = document.createElement('tr');
  for (const c of cells) { const td = document.createElement('td'); td.textContent = String(c); tr.append(td); }
  tbody.append(tr);
}

export function intValue(id, min = 1) {
  const v = Number($(id).value);
  if (!Number.isInteger(v) || v < min) throw new Error(`${$(id).id.replace(/-/g, ' ')} must be an integer >= ${min}, got '${$(id).value}'`);
  return v;
}

export function fmtBytes(b) {
  if (b < 1024) return `${b} B`;
  if (b < 1 << 20) return `${(b / 1024).toFixed(1)} KiB`;
  if (b < 1 << 30) return `${(b / (1 << 20)).toFixed(1)} MiB`;
  return `${(b / (1 << 30)).toFixed(2)} GiB`;
}

/** Runs an async action with its button disabled; errors go to the page's error banner and a status line. */
export async function guarded(ctx, button, statusId, what, fn) {
  const b = $(button);
  b.disabled = true;
  ctx.clearError();
  try {
    await fn();
  } catch (e) {
    if (e?.name === 'AbortError') { status(statusId, `${what} cancelled`); return; }
    status(statusId, `${what} failed: ${e.message ?? e}`, true);
    ctx.showError(`${what} failed`, e);
  } finally {
    b.disabled = false;
  }
}
