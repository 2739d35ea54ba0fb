// A small static file server for the demo and the browser tests. It serves the repository root on
// 127.0.0.1 only (localhost is a secure context, which WebGPU requires).
// Usage: node examples/browser/serve.mjs [--port 8080]   (then open http://127.0.0.1:8080/examples/browser/)
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.map': 'application/json', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.wasm': 'application/wasm', '.wgsl': 'text/plain; charset=utf-8', '.txt': 'text/plain; charset=utf-8',
  '.ico': 'image/x-icon',
};

/**
 * Starts serving `root` on 127.0.0.1:`port` (0 picks a free port). Resolves to { server, port, url, close() }.
 * Paths outside the root are refused; a folder serves its index.html; a request with one byte range (Range:
 * bytes=a-b) gets that range (206, Content-Range), as IvfPqIndex.open needs.
 */
export function serve({ root = repoRoot, port = 0, log = false } = {}) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let rel;
    try { rel = decodeURIComponent(url.pathname); } catch { res.writeHead(400).end('bad path'); return; }
    const file = normalize(join(root, rel));
    if (file !== root && !file.startsWith(root + sep)) { res.writeHead(403).end('outside the served folder'); return; }
    let path = file, st;
    try {
      st = statSync(path);
      if (st.isDirectory()) {
        if (!rel.endsWith('/')) { res.writeHead(301, { location: `${url.pathname}/${url.search}` }).end(); return; }
        path = join(path, 'index.html'); st = statSync(path);
      }
    } catch { res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${rel}`); if (log) console.log(`404 ${rel}`); return; }
    const type = TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
    // one byte range (Range: bytes=a-b, a-, -n), as IvfPqIndex.open asks for; several ranges get the whole file.
    // 'no-cache' (always revalidated; with no validators, fetched again) rather than 'no-store': Chromium ends some
    // no-store responses read to their end as net::ERR_ABORTED in its network events, a false failure that the
    // browser tests' "no page errors" check would report
    const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (m && (m[1] || m[2])) {
      const start = m[1] ? Number(m[1]) : Math.max(0, st.size - Number(m[2]));
      const end = m[1] && m[2] ? Math.min(Number(m[2]), st.size - 1) : st.size - 1;
      if (start >= st.size || start > end) {
        res.writeHead(416, { 'content-range': `bytes */${st.size}`, 'cache-control': 'no-store' }).end();
        return;
      }
      res.writeHead(206, { 'content-type': type, 'content-length': end - start + 1, 'content-range': `bytes ${start}-${end}/${st.size}`, 'accept-ranges': 'bytes', 'cache-control': 'no-cache' });
      if (req.method === 'HEAD') { res.end(); return; }
      createReadStream(path, { start, end }).pipe(res);
      if (log) console.log(`206 ${rel} ${start}-${end}`);
      return;
    }
    res.writeHead(200, { 'content-type': type, 'content-length': st.size, 'accept-ranges': 'bytes', 'cache-control': 'no-cache' });
    if (req.method === 'HEAD') { res.end(); return; }
    createReadStream(path).pipe(res);
    if (log) console.log(`200 ${rel}`);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const p = server.address().port;
      resolve({ server, port: p, url: `http://127.0.0.1:${p}`, close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }) });
    });
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--port');
  const port = i >= 0 ? Number(process.argv[i + 1]) : 8080;
  const s = await serve({ port, log: process.argv.includes('--log') });
  console.log(`serving ${repoRoot} at ${s.url}/  (demo: ${s.url}/examples/browser/)  Ctrl-C to stop`);
}
