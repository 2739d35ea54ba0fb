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
  const b = button ? $(button) : null;
  if (b) b.disabled = true;
  ctx.clearError();
  try {
    await fn();
  } catch (e) {
    if (e?.name === 'AbortError') { status(statusId, `${what} cancelled`); return; }
    status(statusId, `${what} failed: ${e.message ?? e}`, true);
    ctx.showError(`${what} failed`, e);
  } finally {
    if (b) b.disabled = false;
  }
}

/** A WordNet entry "word, word: gloss" as nodes: the words in bold, then the gloss. */
export function entryNodes(text) {
  const i = text.indexOf(': ');
  if (i < 0) return [text];
  const b = document.createElement('strong');
  b.textContent = text.slice(0, i);
  return [b, document.createTextNode(` ${text.slice(i + 2)}`)];
}

/** Reads a number input; `integer` and `min` are checked, and the error names the field. */
export function numValue(id, { min = 0, integer = false } = {}) {
  const el = $(id);
  const v = Number(el.value);
  const name = el.closest('label')?.firstChild?.textContent?.trim() || id;
  if (el.value.trim() === '' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    throw new Error(`${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got '${el.value}'`);
  }
  return v;
}
