// A small SVG line chart (no dependencies) for the Train tab: axes with "nice" ticks, one or more series,
// optional markers. Redraws the whole <svg> on each call; cheap at a few thousand points.
const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo, hi, count = 5) {
  if (!(hi > lo)) { hi = lo + 1; }
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * mag).find((s) => s >= raw) ?? 10 * mag;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/**
 * Draws series [{ points: [[x, y], ...], color, width, markers, label }] into `svg` (which has a viewBox).
 * opts: { xLabel, yFormat(v) -> string, yMin, yMax, xMin, xMax, empty: text when there is no point yet }
 */
export function lineChart(svg, series, opts = {}) {
  const [, , W, H] = svg.getAttribute('viewBox').split(/\s+/).map(Number);
  const pad = { l: 58, r: 34, t: 26, b: 36 };
  svg.replaceChildren();
  const all = series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const fmt = opts.yFormat ?? ((v) => String(v));
  if (!all.length) {
    svg.append(el('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'chart-empty' }, opts.empty ?? 'no data yet'));
    return;
  }
  let xMin = opts.xMin ?? Math.min(...all.map((p) => p[0])), xMax = opts.xMax ?? Math.max(...all.map((p) => p[0]));
  let yMin = opts.yMin ?? Math.min(...all.map((p) => p[1])), yMax = opts.yMax ?? Math.max(...all.map((p) => p[1]));
  if (xMax <= xMin) xMax = xMin + 1;
  if (yMax <= yMin) { const d = Math.abs(yMin) * 0.05 || 0.05; yMin -= d; yMax += d; }
  const yPad = (yMax - yMin) * 0.06;
  if (opts.yMin === undefined) yMin -= yPad;
  if (opts.yMax === undefined) yMax += yPad;
  const X = (x) => pad.l + ((x - xMin) / (xMax - xMin)) * (W - pad.l - pad.r);
  const Y = (y) => H - pad.b - ((y - yMin) / (yMax - yMin)) * (H - pad.t - pad.b);
  for (const t of niceTicks(yMin, yMax, 4)) {
    if (t < yMin || t > yMax) continue;
    svg.append(el('line', { x1: pad.l, x2: W - pad.r, y1: Y(t), y2: Y(t), class: 'grid' }));
    svg.append(el('text', { x: pad.l - 6, y: Y(t) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(t)));
  }
  const xt = niceTicks(xMin, xMax, 6).filter((t) => t >= xMin && t <= xMax && (!opts.xInteger || Number.isInteger(t)));
  for (const t of xt) svg.append(el('text', { x: X(t), y: H - pad.b + 16, 'text-anchor': 'middle', class: 'tick' }, String(t)));
  svg.append(el('line', { x1: pad.l, x2: W - pad.r, y1: H - pad.b, y2: H - pad.b, class: 'axis' }));
  svg.append(el('line', { x1: pad.l, x2: pad.l, y1: pad.t, y2: H - pad.b, class: 'axis' }));
  if (opts.xLabel) svg.append(el('text', { x: (pad.l + W - pad.r) / 2, y: H - 4, 'text-anchor': 'middle', class: 'axis-label' }, opts.xLabel));
  let legendX = pad.l + 8;
  for (const s of series) {
    const pts = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (!pts.length) continue;
    svg.append(el('polyline', {
      points: pts.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' '),
      fill: 'none', stroke: s.color, 'stroke-width': s.width ?? 2, 'stroke-linejoin': 'round', 'stroke-linecap': 'round',
      ...(s.opacity ? { 'stroke-opacity': s.opacity } : {}),
    }));
    if (s.markers) {
      for (const [x, y] of pts) {
        svg.append(el('circle', { cx: X(x), cy: Y(y), r: 4, fill: '#fff', stroke: s.color, 'stroke-width': 2 }));
        if (s.labels) svg.append(el('text', { x: X(x), y: Y(y) - 9, 'text-anchor': 'middle', class: 'point-label' }, fmt(y)));
      }
    }
    if (s.label) {
      svg.append(el('rect', { x: legendX, y: 6, width: 14, height: 3, fill: s.color, rx: 1 }));
      const t = el('text', { x: legendX + 19, y: 12, class: 'legend' }, s.label);
      svg.append(t);
      legendX += 34 + s.label.length * 6.6;
    }
  }
}
