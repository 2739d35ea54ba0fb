// A dependency-free SVG line chart for benchmark results.
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

/**
 * @param {{title: string, xLabel: string, yLabel: string, logX?: boolean,
 *          series: {name: string, points: [number, number][], dashed?: boolean}[]}} o
 */
export function lineChartSvg(o) {
  const W = 720, H = 440, L = 70, R = 220, T = 40, B = 55;
  const all = o.series.flatMap((s) => s.points);
  const fx = (x) => (o.logX ? Math.log10(Math.max(x, 1e-9)) : x);
  let x0 = Math.min(...all.map((p) => fx(p[0]))), x1 = Math.max(...all.map((p) => fx(p[0])));
  let y0 = Math.min(...all.map((p) => p[1])), y1 = Math.max(...all.map((p) => p[1]));
  if (x1 === x0) { x0 -= 0.5; x1 += 0.5; }
  if (y1 === y0) { y0 -= 0.05; y1 += 0.05; }
  const padY = (y1 - y0) * 0.08; y0 -= padY; y1 += padY;
  const padX = (x1 - x0) * 0.05; x0 -= padX; x1 += padX;
  const px = (x) => L + ((fx(x) - x0) / (x1 - x0)) * (W - L - R);
  const py = (y) => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">\n`;
  svg += `<rect width="${W}" height="${H}" fill="white"/>\n<text x="${W / 2 - R / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>\n`;
  for (let i = 0; i <= 5; i++) {
    const y = y0 + ((y1 - y0) * i) / 5, x = x0 + ((x1 - x0) * i) / 5;
    const xv = o.logX ? 10 ** x : x;
    svg += `<line x1="${L}" x2="${W - R}" y1="${py(y)}" y2="${py(y)}" stroke="#eee"/><text x="${L - 6}" y="${py(y) + 4}" text-anchor="end">${y.toFixed(3)}</text>\n`;
    svg += `<text x="${px(xv)}" y="${H - B + 18}" text-anchor="middle">${xv >= 100 ? xv.toFixed(0) : xv.toPrecision(3)}</text>\n`;
  }
  svg += `<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#444"/>\n`;
  svg += `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">${esc(o.xLabel)}</text>\n`;
  svg += `<text transform="translate(18 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>\n`;
  o.series.forEach((s, i) => {
    const c = COLORS[i % COLORS.length];
    const pts = [...s.points].sort((a, b) => a[0] - b[0]);
    svg += `<polyline fill="none" stroke="${c}" stroke-width="2" ${s.dashed ? 'stroke-dasharray="6 4"' : ''} points="${pts.map((p) => `${px(p[0]).toFixed(1)},${py(p[1]).toFixed(1)}`).join(' ')}"/>\n`;
    for (const p of pts) svg += `<circle cx="${px(p[0]).toFixed(1)}" cy="${py(p[1]).toFixed(1)}" r="3.5" fill="${c}"/>\n`;
    svg += `<line x1="${W - R + 15}" x2="${W - R + 40}" y1="${T + 12 + i * 20}" y2="${T + 12 + i * 20}" stroke="${c}" stroke-width="2" ${s.dashed ? 'stroke-dasharray="6 4"' : ''}/><text x="${W - R + 46}" y="${T + 16 + i * 20}">${esc(s.name)}</text>\n`;
  });
  return svg + '</svg>\n';
}

/** Horizontal bar chart grouped by `group`: {title, series: {group, name, value}[]}. */
export function barChartSvg(o) {
  const rowH = 22, L = 430, W = 860, T = 40;
  const groups = [...new Set(o.series.map((s) => s.group))];
  const rows = [];
  for (const g of groups) { rows.push({ header: g }); for (const s of o.series.filter((x) => x.group === g)) rows.push(s); }
  const H = T + rows.length * rowH + 30;
  const max = Math.max(...o.series.map((s) => s.value), 1e-9);
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">\n<rect width="${W}" height="${H}" fill="white"/>\n`;
  svg += `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>\n`;
  rows.forEach((r, i) => {
    const y = T + i * rowH;
    if (r.header) { svg += `<text x="8" y="${y + 15}" font-weight="bold">${esc(r.header)}</text>\n`; return; }
    const w = ((W - L - 70) * r.value) / max;
    const color = /Faiss/.test(r.name) ? '#999' : /Distill/.test(r.name) ? '#d62728' : '#1f77b4';
    svg += `<text x="${L - 8}" y="${y + 15}" text-anchor="end">${esc(r.name)}</text><rect x="${L}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 6}" fill="${color}"/><text x="${(L + w + 5).toFixed(1)}" y="${y + 15}">${r.value.toFixed(4)}</text>\n`;
  });
  return svg + '</svg>\n';
}
