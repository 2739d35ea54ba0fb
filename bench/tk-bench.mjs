// KNOB (temporary): the kernel bench's topk case and probes, per build (DISTS, comma-separated), alternating ROUNDS times.
import { pathToFileURL } from 'node:url';
const dists = (process.env.DISTS ?? '/work/base0/dist,/work/wt/h1/dist').split(',');
const rounds = Number(process.env.ROUNDS ?? 2);
const rows = Number(process.env.ROWS ?? 3000);
for (let r = 0; r < rounds; r++) for (const d of dists) {
  const api = await import(pathToFileURL(d + '/index.js').href);
  const { benchKernels } = await import(pathToFileURL(d + '/bench/kernels.js').href);
  const { topkCase } = await import(pathToFileURL(d + '/bench/kernel-cases.js').href);
  const e = await api.createEngine({ profile: true });
  const res = await benchKernels(e, { only: ['topk'], cases: [topkCase(rows, 50000, 100)] });
  const j = res.json;
  const probe = j.probes?.find?.((p) => p.kernel === 'probe:stream-vec4') ?? j.probes;
  const t = j.cases.find((x) => x.kernel === 'topk');
  console.log(d, 'probe', probe?.gbps?.toFixed?.(2), 'gpuMs', probe?.gpuMs?.toFixed(1), 'topk gpuMs', t.gpuMs?.toFixed(1), 'wallMs', t.wallMs?.toFixed(1), 'gbps', t.gbps?.toFixed(2), 'share', t.boundShare?.toFixed(3));
  e.dispose();
}
process.exit(0);
