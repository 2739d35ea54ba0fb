// Per-kernel GPU timing with timestamp queries: each profiled dispatch gets its own compute pass whose
// begin and end timestamps are resolved at submit and read back asynchronously.
import { BufferUsage } from './usage.js';

const CAPACITY = 256; // dispatches per submit while profiling

export interface KernelTiming {
  name: string;
  count: number;
  /** GPU time per dispatch, nanoseconds */
  medianNs: number;
  totalNs: number;
}

export class Profiler {
  private readonly querySet: GPUQuerySet;
  private readonly resolveBuf: GPUBuffer;
  private names: string[] = [];
  private readonly pending: Promise<void>[] = [];
  private readonly samples = new Map<string, number[]>();

  constructor(private readonly device: GPUDevice) {
    this.querySet = device.createQuerySet({ type: 'timestamp', count: 2 * CAPACITY });
    this.resolveBuf = device.createBuffer({ size: 16 * CAPACITY, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC });
  }

  get full(): boolean { return this.names.length >= CAPACITY; }

  beginPass(encoder: GPUCommandEncoder, name: string): GPUComputePassEncoder {
    const i = this.names.length;
    this.names.push(name);
    return encoder.beginComputePass({ timestampWrites: { querySet: this.querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
  }

  private readBuf: GPUBuffer | null = null;
  private batchNames: string[] = [];

  resolve(encoder: GPUCommandEncoder): void {
    if (!this.names.length) return;
    const n = this.names.length;
    encoder.resolveQuerySet(this.querySet, 0, 2 * n, this.resolveBuf, 0);
    this.readBuf = this.device.createBuffer({ size: 16 * n, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    encoder.copyBufferToBuffer(this.resolveBuf, 0, this.readBuf, 0, 16 * n);
    this.batchNames = this.names;
    this.names = [];
  }

  afterSubmit(): void {
    const buf = this.readBuf, names = this.batchNames;
    if (!buf) return;
    this.readBuf = null;
    this.pending.push(buf.mapAsync(1).then(() => {
      const t = new BigUint64Array(buf.getMappedRange());
      names.forEach((name, i) => {
        const dt = Number(t[2 * i + 1]! - t[2 * i]!);
        let s = this.samples.get(name);
        if (!s) this.samples.set(name, (s = []));
        if (dt >= 0) s.push(dt);
      });
      buf.unmap();
      buf.destroy();
    }, () => buf.destroy()));
  }

  /** Waits for outstanding timings and returns per-kernel medians; `reset` clears the samples. */
  async results(reset = false): Promise<KernelTiming[]> {
    await Promise.all(this.pending.splice(0));
    const out: KernelTiming[] = [];
    for (const [name, s] of this.samples) {
      const sorted = [...s].sort((a, b) => a - b);
      out.push({ name, count: s.length, medianNs: sorted.length ? sorted[sorted.length >> 1]! : 0, totalNs: s.reduce((a, b) => a + b, 0) });
    }
    if (reset) this.samples.clear();
    return out;
  }

  dispose(): void {
    this.querySet.destroy();
    this.resolveBuf.destroy();
  }
}
