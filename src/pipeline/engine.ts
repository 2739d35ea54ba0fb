// The GPU runtime: one object that owns a WebGPU device and everything made on it. It allocates and
// releases buffers deterministically, compiles each (kernel, constants) pair once, batches many dispatches
// into one submit, reads results back, and optionally times every kernel with GPU timestamp queries.
import { checkBindings, checkConstants, packParams, workgroupBytes, type Kernel, type RunArgs, type Workgroups } from './kernel.js';
import { GpuBuffer, GpuTexture, type BufferSlice, sliceOf } from './buffer.js';
import { Profiler } from './profiler.js';
import { idleWait } from './idle-wait.js';
import { BufferUsage, MAP_READ_MODE, COMPUTE_STAGE, TEXTURE_BINDING, TEXTURE_COPY_DST, TEXTURE_COPY_SRC, TEXTURE_STORAGE } from './usage.js';
import { DeviceLostError, SOFTWARE_GPU_HELP, describeAdapter, requestDevice } from './device.js';
import { fill as fillKernel } from '../shaders/kernels.js';
import { InputError } from '../util/errors.js';

export { BufferUsage, DeviceLostError, SOFTWARE_GPU_HELP };
const UNIFORM_SLOT = 256; // minUniformBufferOffsetAlignment is at most 256
const UNIFORM_SLOTS = 256;
/** Readback buffers of at most this many bytes are kept for reuse, at most STAGING_KEEP of them. */
const STAGING_REUSE_BYTES = 1 << 20;
const STAGING_KEEP = 8;

export interface EngineOptions {
  /** a device you already have; the engine will not destroy it on dispose unless `ownDevice` is true */
  device?: GPUDevice;
  ownDevice?: boolean;
  /** an adapter to request the device from */
  adapter?: GPUAdapter;
  powerPreference?: GPUPowerPreference;
  /** time every dispatch with timestamp queries (when the adapter has 'timestamp-query') */
  profile?: boolean;
  /** limits lower than the device's, which the engine and everything built on it then keep to (tests make large
   *  inputs from small ones this way: more chunks, more segments of inverted lists); a limit is never raised */
  limits?: LoweredLimits;
}

/** The limits an engine can be asked to lower (bytes; each a positive multiple of 4). */
export interface LoweredLimits {
  maxStorageBufferBindingSize?: number;
  maxBufferSize?: number;
}

type TypedArrayCtor<T> = { new (buffer: ArrayBuffer, byteOffset?: number, length?: number): T; BYTES_PER_ELEMENT: number };

export class Engine {
  readonly device: GPUDevice;
  readonly limits: GPUSupportedLimits;
  readonly adapterName: string;
  readonly features: ReadonlySet<string>;
  /** the smallest subgroup size the adapter reports (0 when it reports none) */
  readonly subgroupMinSize: number;
  /** the WGSL language extensions of the WebGPU entry point (`GPU.wgslLanguageFeatures`; empty when unknown) */
  readonly wgslFeatures: ReadonlySet<string>;
  /** Strong reference to the object that owns the native WebGPU instance (Dawn's `create()` result).
   *  If it were garbage-collected while the device lives, Dawn's event loop would use freed memory. */
  private readonly keepAlive: unknown;
  private readonly ownDevice: boolean;
  /** per kernel, per set of override constants */
  private readonly pipelines = new Map<Kernel, Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>>();
  private readonly live = new Set<GpuBuffer>();
  private readonly liveTextures = new Set<GpuTexture>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private uniformRing: GPUBuffer;
  private uniformStage = new ArrayBuffer(UNIFORM_SLOT * UNIFORM_SLOTS);
  private uniformUsed = 0;
  /** idle readback buffers (sizes powers of two), reused by read() so small reads make no buffer */
  private readonly staging: GPUBuffer[] = [];
  /** idle rgba32float textures of texels() / texelsFrom() (TEXEL_ROW wide), reused by later calls: on a software
   *  adapter the first write into new GPU memory costs far more than the copy itself (bench/results/kernels.md) */
  private readonly idleTexels: { tex: GPUTexture; view: GPUTextureView; height: number }[] = [];
  private pendingErrors: Promise<GPUError | null>[] = [];
  private lostReason: string | null = null;
  private readonly lostPromise: Promise<never>;
  private disposed = false;
  readonly profiler: Profiler | null;
  /** dispatches submitted so far (a cheap counter for tests and benchmarks) */
  dispatchCount = 0;
  submitCount = 0;
  /** readbacks (read() calls that copied data to the host) so far */
  readCount = 0;

  private constructor(device: GPUDevice, adapterName: string, keepAlive: unknown, ownDevice: boolean, profile: boolean, lowered: LoweredLimits | undefined,
    wgslFeatures: Iterable<string> | undefined) {
    this.device = device;
    this.keepAlive = keepAlive;
    this.ownDevice = ownDevice;
    this.limits = lowered ? lowerLimits(device.limits, lowered) : device.limits;
    this.adapterName = adapterName;
    this.features = new Set([...device.features] as string[]);
    this.wgslFeatures = new Set(wgslFeatures ?? []);
    this.subgroupMinSize = (device as unknown as { adapterInfo?: { subgroupMinSize?: number } }).adapterInfo?.subgroupMinSize ?? 0;
    this.uniformRing = device.createBuffer({ size: UNIFORM_SLOT * UNIFORM_SLOTS, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST, label: 'uniform ring' });
    this.lostPromise = device.lost.then((info) => {
      this.lostReason = `${info.reason ?? 'unknown'}: ${info.message}`;
      throw new DeviceLostError(this.lostReason);
    });
    this.lostPromise.catch(() => undefined);
    this.profiler = profile && this.features.has('timestamp-query') ? new Profiler(device) : null;
  }

  /**
   * Makes an engine from a WebGPU entry point (`navigator.gpu` in browsers, `create([])` from the `webgpu`
   * package in Node). `keepAlive` is held for the engine's lifetime (pass the Dawn instance owner).
   */
  static async fromGpu(gpu: GPU | undefined, opts: EngineOptions = {}, keepAlive: unknown = gpu): Promise<Engine> {
    const wgsl = (gpu ?? (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu)?.wgslLanguageFeatures as Iterable<string> | undefined;
    if (opts.device) {
      const name = await describeAdapter(undefined, opts.device);
      return new Engine(opts.device, name, keepAlive, opts.ownDevice ?? false, opts.profile ?? false, opts.limits, wgsl);
    }
    const adapter = opts.adapter ?? (gpu ? await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' }) : null);
    if (!adapter) throw new Error(SOFTWARE_GPU_HELP);
    const device = await requestDevice(adapter);
    try {
      const name = await describeAdapter(adapter, device);
      return new Engine(device, name, keepAlive, true, opts.profile ?? false, opts.limits, wgsl);
    } catch (e) {
      device.destroy(); // e.g. a bad EngineOptions.limits
      throw e;
    }
  }

  get isDisposed(): boolean { return this.disposed; }
  /** whether the adapter is a software GPU on the CPU (Mesa lavapipe/llvmpipe, SwiftShader), where some kernels
   *  take other code paths (every storage load is paid per invocation there; see kernels/scores.ts) */
  get isSoftwareAdapter(): boolean { return /llvmpipe|lavapipe|swiftshader|\bsoftware\b/i.test(this.adapterName); }
  get hasTimestamps(): boolean { return this.features.has('timestamp-query'); }
  /** whether kernels may use the WGSL `subgroups` extension with subgroups of at least 8 lanes (the 4-bit ADC
   *  scan's tables in registers, kernels/adc.ts) */
  get hasSubgroups(): boolean { return this.features.has('subgroups') && this.subgroupMinSize >= 8; }
  /** whether kernels may read storage textures (texture_storage_2d<rgba32uint, read>, Engine.uintTexels): the
   *  WGSL language extension readonly_and_readwrite_storage_textures */
  get hasReadOnlyStorageTextures(): boolean { return this.wgslFeatures.has('readonly_and_readwrite_storage_textures'); }
  /** bytes of GPU memory in buffers the engine made and that are not yet disposed */
  get liveBytes(): number { let s = 0; for (const b of this.live) s += b.size; return s; }
  get liveBuffers(): number { return this.live.size; }
  get maxBinding(): number { return this.limits.maxStorageBufferBindingSize; }

  private check(): void {
    if (this.disposed) throw new Error('this engine was disposed');
    if (this.lostReason !== null) throw new DeviceLostError(this.lostReason);
  }

  /** A new zero-filled storage buffer of at least `bytes` bytes (rounded up to 16). */
  buffer(bytes: number, label = 'buffer'): GpuBuffer {
    this.check();
    if (!Number.isFinite(bytes) || bytes < 0) throw new Error(`buffer size must be a non-negative number, got ${bytes}`);
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    if (size > this.limits.maxBufferSize) {
      throw new Error(`${label}: ${size} bytes is larger than this device's maxBufferSize (${this.limits.maxBufferSize}); use smaller batches or chunks`);
    }
    const buf = this.device.createBuffer({ size, usage: BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST, label });
    const g = new GpuBuffer(buf, size, label, (b) => this.live.delete(b));
    this.live.add(g);
    return g;
  }

  /** texels per row of the textures made by texels() (lib/scores_tex_io.wgsl reads with the same width) */
  static readonly TEXEL_ROW = 4096;
  /** bytes of idle texels() / texelsFrom() textures the engine keeps for reuse, in all */
  static readonly TEXEL_KEEP_BYTES = 64 << 20;

  /** Whether texels() can hold `count` vec4s on this device. */
  fitsTexels(count: number): boolean {
    return count > 0 && Math.ceil(count / Engine.TEXEL_ROW) <= this.limits.maxTextureDimension2D;
  }

  /**
   * A new rgba32float texture holding the first `count` vec4s (16 bytes each) of `src`, vec4 i at texel
   * (i mod TEXEL_ROW, floor(i / TEXEL_ROW)); texels past `count` in the last row are unspecified. The copy is
   * recorded in order with the dispatches. `src`'s offset must be a multiple of 16. Dispose it when done: that
   * submits pending work first, so the recorded reads of it are not lost.
   */
  texels(src: GpuBuffer | BufferSlice, count: number, label = 'texels'): GpuTexture {
    this.check();
    const s = sliceOf(src);
    const W = Engine.TEXEL_ROW;
    if (!Number.isInteger(count) || count <= 0 || count * 16 > s.size) throw new Error(`${label}: ${count} texels do not fit ${s.buffer.label} (${s.size} bytes)`);
    if (s.offset % 16 !== 0) throw new Error(`${label}: source offset ${s.offset} is not a multiple of 16`);
    const t = this.texelTexture(count, label);
    const full = Math.floor(count / W), rest = count - full * W;
    this.endPass();
    const e = this.enc();
    if (full > 0) e.copyBufferToTexture({ buffer: s.buffer.gpu, offset: s.offset, bytesPerRow: W * 16, rowsPerImage: full }, { texture: t.gpu }, [W, full]);
    if (rest > 0) e.copyBufferToTexture({ buffer: s.buffer.gpu, offset: s.offset + full * W * 16, bytesPerRow: W * 16 }, { texture: t.gpu, origin: [0, full] }, [rest, 1]);
    return t;
  }

  /** texels() from host data: data.length / 4 vec4s (data.length a multiple of 4), written through the queue
   *  (ordered before the next submit, as write()), with no staging buffer. */
  texelsFrom(data: Float32Array, label = 'texels'): GpuTexture {
    this.check();
    if (data.length % 4 !== 0) throw new Error(`${label}: ${data.length} floats are not whole vec4s`);
    const count = data.length / 4, W = Engine.TEXEL_ROW;
    const t = this.texelTexture(count, label);
    this.flush(); // keep program order, as write()
    const full = Math.floor(count / W), rest = count - full * W;
    const bytes = data as Float32Array<ArrayBuffer>;
    if (full > 0) this.device.queue.writeTexture({ texture: t.gpu }, bytes, { offset: 0, bytesPerRow: W * 16, rowsPerImage: full }, [W, full]);
    if (rest > 0) this.device.queue.writeTexture({ texture: t.gpu, origin: [0, full] }, bytes, { offset: full * W * 16, bytesPerRow: W * 16 }, [rest, 1]);
    return t;
  }

  /**
   * A new rgba32uint texture of `count` texels (16 bytes each), texel i at (i mod TEXEL_ROW, floor(i / TEXEL_ROW)),
   * for kernels that write it (texture_storage_2d<rgba32uint, write>) and read it (<rgba32uint, read>, which needs
   * hasReadOnlyStorageTextures). Its contents start unspecified. Dispose it when done, as texels().
   */
  uintTexels(count: number, label = 'uint texels'): GpuTexture {
    this.check();
    return this.texture(count, label, 'rgba32uint');
  }

  /** An rgba32float texture for texels() / texelsFrom() of at least `count` texels: an idle one of the same height
   *  (or up to twice it) when there is one, else a new one; its dispose() keeps it idle for reuse (up to
   *  Engine.TEXEL_KEEP_BYTES in all, the newest kept). Commands are recorded and submitted in order, so a copy into a reused
   *  texture comes after every dispatch that read it before. */
  private texelTexture(count: number, label: string): GpuTexture {
    const W = Engine.TEXEL_ROW;
    const height = Math.ceil(count / W);
    let best = -1;
    for (let i = 0; i < this.idleTexels.length; i++) {
      const h = this.idleTexels[i].height;
      if (h >= height && h <= 2 * height && (best < 0 || h < this.idleTexels[best].height)) best = i;
    }
    const got = best >= 0 ? this.idleTexels.splice(best, 1)[0] : this.newTexture(count, label, 'rgba32float');
    const { tex, view } = got;
    const t: GpuTexture = new GpuTexture(tex, view, W, got.height, label, (x) => {
      this.liveTextures.delete(x);
      const bytes = got.height * W * 16;
      if (this.disposed || this.lostReason !== null) return false;
      if (bytes > Engine.TEXEL_KEEP_BYTES) { this.flush(); return false; } // destroyed: submit its recorded reads first
      // kept: no submit needed (a later copy into it is recorded after the reads); evicted ones are destroyed, so
      // their recorded reads are submitted first
      let idle = this.idleTexels.reduce((sum, e) => sum + e.height * W * 16, 0);
      if (idle + bytes > Engine.TEXEL_KEEP_BYTES) this.flush();
      while (idle + bytes > Engine.TEXEL_KEEP_BYTES) {
        const old = this.idleTexels.shift()!;
        idle -= old.height * W * 16;
        old.tex.destroy();
      }
      this.idleTexels.push(got);
      return true;
    });
    this.liveTextures.add(t);
    return t;
  }

  private newTexture(count: number, label: string, format: 'rgba32float' | 'rgba32uint'): { tex: GPUTexture; view: GPUTextureView; height: number } {
    const W = Engine.TEXEL_ROW;
    if (!Number.isInteger(count) || count <= 0) throw new Error(`${label}: ${count} texels`);
    if (!this.fitsTexels(count)) throw new Error(`${label}: ${count} texels need ${Math.ceil(count / W)} rows of ${W}, over maxTextureDimension2D (${this.limits.maxTextureDimension2D})`);
    const height = Math.ceil(count / W);
    const usage = format === 'rgba32float' ? TEXTURE_BINDING | TEXTURE_COPY_DST : TEXTURE_STORAGE | TEXTURE_COPY_SRC | TEXTURE_COPY_DST;
    const tex = this.device.createTexture({ size: [W, height], format, usage, label });
    return { tex, view: tex.createView({ label }), height };
  }

  private texture(count: number, label: string, format: 'rgba32float' | 'rgba32uint' = 'rgba32float'): GpuTexture {
    const { tex, view, height } = this.newTexture(count, label, format);
    const t = new GpuTexture(tex, view, Engine.TEXEL_ROW, height, label, (x) => { this.liveTextures.delete(x); if (!this.disposed && this.lostReason === null) this.flush(); }, format);
    this.liveTextures.add(t);
    return t;
  }

  /** A new storage buffer holding `data`. */
  upload(data: ArrayBufferView, label = 'upload'): GpuBuffer {
    const g = this.buffer(data.byteLength, label);
    this.write(g, data);
    return g;
  }

  /** Writes host data into a buffer (ordered before the next submit). Pending dispatches are flushed first. */
  write(target: GpuBuffer | BufferSlice, data: ArrayBufferView, byteOffset = 0): void {
    this.check();
    const s = sliceOf(target);
    if (byteOffset + data.byteLength > s.size) throw new Error(`write of ${data.byteLength} bytes at ${byteOffset} overflows ${s.buffer.label} (${s.size} bytes)`);
    this.flush(); // keep program order: earlier dispatches see the old contents
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const padded = bytes.byteLength % 4 === 0 ? bytes : (() => { const p = new Uint8Array(Math.ceil(bytes.byteLength / 4) * 4); p.set(bytes); return p; })();
    this.device.queue.writeBuffer(s.buffer.gpu, s.offset + byteOffset, padded as Uint8Array<ArrayBuffer>);
  }

  /** Records a copy between buffers. */
  copy(src: GpuBuffer | BufferSlice, dst: GpuBuffer | BufferSlice, bytes?: number): void {
    this.check();
    const a = sliceOf(src), b = sliceOf(dst);
    const n = bytes ?? Math.min(a.size, b.size);
    if (n > a.size || n > b.size || n % 4 !== 0) throw new Error(`copy of ${n} bytes does not fit ${a.buffer.label} -> ${b.buffer.label}`);
    this.endPass();
    this.enc().copyBufferToBuffer(a.buffer.gpu, a.offset, b.buffer.gpu, b.offset, n);
  }

  /** Records a fill of the buffer with a 32-bit pattern (a float or, with asUint, raw bits). */
  fill(target: GpuBuffer | BufferSlice, value: number, asUint = false): void {
    const s = sliceOf(target);
    if (value === 0 && !asUint) {
      this.check();
      this.endPass();
      this.enc().clearBuffer(s.buffer.gpu, s.offset, s.size);
      return;
    }
    this.run(fillKernel, {
      bindings: { out: s },
      params: { n: s.size / 4, bits: asUint ? value >>> 0 : floatBits(value) },
      workgroups: Math.ceil(s.size / 4 / 256),
    });
  }

  /**
   * Compiles (once per set of constants) and records one dispatch of a kernel handle from src/shaders/kernels.ts:
   * `engine.run(K.residuals, { bindings: { x, centroids, assign, out }, params: { n, d }, workgroups })`.
   * Binding, params and constant names are checked by the compiler and again here; sizes over the binding
   * limit, disposed buffers and values that do not fit a params field are refused with the kernel's name.
   */
  run<B extends string, P extends object | null, C extends string>(kernel: Kernel<B, P, C>, args: NoInfer<RunArgs<B, P, C>>): void {
    this.check();
    const a = args as { bindings: Readonly<Record<string, GpuBuffer | BufferSlice>>; params?: Readonly<Record<string, number | readonly number[]>>; workgroups: Workgroups; constants?: Readonly<Record<string, number>> };
    const name = kernel.name;
    checkBindings(kernel, a.bindings);
    this.beginErrorScope(); // pipeline compilation errors land in this batch's scope
    const { pipeline, layout } = this.pipeline(kernel, a.constants);
    const entries: GPUBindGroupEntry[] = [];
    for (const b of kernel.bindings) {
      if (b.kind === 'uniform') {
        if (this.uniformUsed >= UNIFORM_SLOTS) this.flush();
        const slot = this.uniformUsed++;
        packParams(kernel, a.params ?? {}, new DataView(this.uniformStage), slot * UNIFORM_SLOT);
        entries.push({ binding: b.binding, resource: { buffer: this.uniformRing, offset: slot * UNIFORM_SLOT, size: kernel.params!.size } });
        continue;
      }
      const given = a.bindings[b.name]! as GpuBuffer | BufferSlice | GpuTexture;
      if (b.kind === 'texture' || b.kind === 'texels-read' || b.kind === 'texels-write') {
        const format = b.kind === 'texture' ? 'rgba32float' : 'rgba32uint';
        if (!(given instanceof GpuTexture) || given.format !== format) throw new Error(`kernel '${name}': '${b.name}' is an ${format} texture binding; pass a texture from engine.${b.kind === 'texture' ? 'texels' : 'uintTexels'}()`);
        if (given.isDisposed) throw new Error(`kernel '${name}': texture '${given.label}' bound as '${b.name}' was disposed`);
        entries.push({ binding: b.binding, resource: given.view });
        continue;
      }
      if (given instanceof GpuTexture) throw new Error(`kernel '${name}': '${b.name}' is a buffer binding, not a texture`);
      const s = sliceOf(given);
      if (s.buffer.isDisposed) throw new Error(`kernel '${name}': buffer '${s.buffer.label}' bound as '${b.name}' was disposed`);
      if (s.size > this.limits.maxStorageBufferBindingSize) {
        throw new Error(`kernel '${name}': '${b.name}' binds ${s.size} bytes, over maxStorageBufferBindingSize (${this.limits.maxStorageBufferBindingSize}); process it in chunks`);
      }
      entries.push({ binding: b.binding, resource: { buffer: s.buffer.gpu, offset: s.offset, size: s.size } });
    }
    if (!kernel.params && a.params && Object.keys(a.params).length) throw new Error(`kernel '${name}' takes no params`);
    const [x, y, z] = this.grid(a.workgroups);
    if (x === 0 || y === 0 || z === 0) return;
    const bindGroup = this.device.createBindGroup({ layout, entries });
    const pass = this.profiler ? this.profiler.beginPass(this.enc(), name) : this.openPass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    if (this.profiler) pass.end();
    this.dispatchCount++;
    if (this.profiler?.full) this.flush();
  }

  /** Splits a workgroup count over x and y so no dimension passes the device limit. */
  grid(w: Workgroups): [number, number, number] {
    const max = this.limits.maxComputeWorkgroupsPerDimension;
    if (typeof w !== 'number') {
      const g: [number, number, number] = [w[0], w[1] ?? 1, w[2] ?? 1];
      if (g.some((v) => v > max)) throw new Error(`dispatch of [${g}] workgroups is over the per-dimension limit ${max}`);
      return g;
    }
    if (w <= max) return [w, 1, 1];
    const y = Math.ceil(w / max);
    if (y > max) throw new Error(`dispatch of ${w} workgroups is too large for this device`);
    return [Math.ceil(w / y), y, 1];
  }

  /** Submits everything recorded so far in one command buffer. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    if (this.uniformUsed > 0) this.device.queue.writeBuffer(this.uniformRing, 0, this.uniformStage, 0, this.uniformUsed * UNIFORM_SLOT);
    this.profiler?.resolve(this.encoder);
    this.device.queue.submit([this.encoder.finish()]);
    this.submitCount++;
    this.profiler?.afterSubmit();
    this.encoder = null;
    this.uniformUsed = 0;
    this.pendingErrors.push(this.device.popErrorScope());
    this.scopeOpen = false;
  }

  /** Waits for a promise of GPU work: on a software adapter without a CPU busy polling for it (idle-wait.ts), as
   *  the adapter's threads need the CPUs. */
  private gpuWait<T>(p: Promise<T>): Promise<T> {
    return this.isSoftwareAdapter ? idleWait(p) : p;
  }

  /** Flushes and resolves when the GPU has finished all submitted work; throws any validation error. */
  async sync(): Promise<void> {
    this.check();
    this.flush();
    await this.gpuWait(Promise.race([this.device.queue.onSubmittedWorkDone(), this.lostPromise]));
    await this.throwErrors();
  }

  /** Copies a buffer (or a byte range of it) back to the host as a typed array. */
  async read<T extends ArrayBufferView>(src: GpuBuffer | BufferSlice, ctor: TypedArrayCtor<T>, byteOffset = 0, byteLength?: number): Promise<T> {
    this.check();
    const s = sliceOf(src);
    const n = byteLength ?? s.size - byteOffset;
    if (byteOffset + n > s.size || n % 4 !== 0 || byteOffset % 4 !== 0) throw new Error(`read of ${n} bytes at ${byteOffset} is outside ${s.buffer.label}`);
    const staging = this.takeStaging(n);
    let reusable = false;
    try {
      this.endPass();
      this.beginErrorScope();
      if (n > 0) this.enc().copyBufferToBuffer(s.buffer.gpu, s.offset + byteOffset, staging, 0, n);
      this.readCount++;
      this.flush();
      await this.gpuWait(Promise.race([staging.mapAsync(MAP_READ_MODE), this.lostPromise]));
      await this.throwErrors();
      const out = staging.getMappedRange(0, Math.max(16, Math.ceil(n / 16) * 16)).slice(0, n);
      staging.unmap();
      reusable = true;
      return new ctor(out, 0, n / ctor.BYTES_PER_ELEMENT);
    } finally {
      if (reusable && staging.size <= STAGING_REUSE_BYTES && this.staging.length < STAGING_KEEP && !this.disposed) this.staging.push(staging);
      else staging.destroy();
    }
  }

  /** An unmapped readback buffer of at least `bytes` bytes: an idle one of the right size, or a new one. */
  private takeStaging(bytes: number): GPUBuffer {
    const size = bytes <= STAGING_REUSE_BYTES ? Math.max(256, 2 ** Math.ceil(Math.log2(Math.max(1, bytes)))) : Math.ceil(bytes / 16) * 16;
    const i = this.staging.findIndex((b) => b.size === size);
    if (i >= 0) return this.staging.splice(i, 1)[0]!;
    return this.device.createBuffer({ size, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST, label: 'readback' });
  }

  /** Frees every buffer and pipeline and, if the engine made the device, destroys it. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    try { this.flush(); } catch { /* device may be lost */ }
    for (const b of [...this.live]) b.dispose();
    for (const t of [...this.liveTextures]) t.dispose();
    for (const e of this.idleTexels.splice(0)) e.tex.destroy();
    for (const b of this.staging.splice(0)) b.destroy();
    this.uniformRing.destroy();
    this.profiler?.dispose();
    this.pipelines.clear();
    this.disposed = true;
    if (this.ownDevice) this.device.destroy();
  }

  /** The engine's keep-alive reference (exposed so tests can check it is held). */
  get instanceOwner(): unknown { return this.keepAlive; }

  private scopeOpen = false;
  /** Every batch runs inside one validation error scope, opened with its command encoder. */
  private beginErrorScope(): void {
    this.enc();
  }

  private async throwErrors(): Promise<void> {
    const pending = this.pendingErrors;
    this.pendingErrors = [];
    const errs = (await Promise.all(pending)).filter((e): e is GPUError => e !== null);
    if (errs.length) throw new Error(`WebGPU validation error: ${errs.map((e) => e.message).join('; ')}`);
  }

  private enc(): GPUCommandEncoder {
    if (!this.encoder) {
      this.encoder = this.device.createCommandEncoder();
      if (!this.scopeOpen) { this.device.pushErrorScope('validation'); this.scopeOpen = true; }
    }
    return this.encoder;
  }

  private openPass(): GPUComputePassEncoder {
    if (!this.pass) this.pass = this.enc().beginComputePass();
    return this.pass;
  }

  private endPass(): void {
    if (this.pass) { this.pass.end(); this.pass = null; }
  }

  private pipeline(kernel: Kernel, constants?: Readonly<Record<string, number>>) {
    let perKernel = this.pipelines.get(kernel);
    if (!perKernel) this.pipelines.set(kernel, (perKernel = new Map()));
    const key = constants ? Object.keys(constants).sort().map((k) => `${k}=${constants[k]}`).join(',') : '';
    let p = perKernel.get(key);
    if (p) return p;
    checkConstants(kernel, constants);
    const wgBytes = workgroupBytes(kernel, constants);
    const wgLimit = this.limits.maxComputeWorkgroupStorageSize;
    if (wgBytes > wgLimit) throw new Error(`kernel '${kernel.name}' needs ${wgBytes} bytes of workgroup memory with these constants; this device has ${wgLimit}`);
    const layout = this.device.createBindGroupLayout({
      label: kernel.name,
      entries: kernel.bindings.map((b): GPUBindGroupLayoutEntry => (b.kind === 'texture'
        ? { binding: b.binding, visibility: COMPUTE_STAGE, texture: { sampleType: 'unfilterable-float', viewDimension: '2d' } }
        : b.kind === 'texels-read' || b.kind === 'texels-write'
          ? { binding: b.binding, visibility: COMPUTE_STAGE, storageTexture: { access: b.kind === 'texels-read' ? 'read-only' : 'write-only', format: 'rgba32uint', viewDimension: '2d' } }
          : { binding: b.binding, visibility: COMPUTE_STAGE, buffer: { type: b.kind } })),
    });
    const module = this.device.createShaderModule({ code: kernel.source, label: kernel.name });
    const pipeline = this.device.createComputePipeline({
      label: kernel.name,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: kernel.entryPoint, ...(constants ? { constants: { ...constants } } : {}) },
    });
    p = { pipeline, layout };
    perKernel.set(key, p);
    return p;
  }
}

/** The device's limits with some lowered (checked: positive multiples of 4, at most the device's). */
function lowerLimits(device: GPUSupportedLimits, lowered: LoweredLimits): GPUSupportedLimits {
  const values = new Map<string | symbol, number>();
  for (const [name, v] of Object.entries(lowered) as [keyof LoweredLimits, number | undefined][]) {
    if (v === undefined) continue;
    const max = Number(device[name]);
    if (!Number.isInteger(v) || v < 4 || v % 4 !== 0 || v > max) {
      throw new InputError(`EngineOptions.limits.${name} must be a positive multiple of 4 no larger than the device's ${max}, got ${v}`);
    }
    values.set(name, v);
  }
  return new Proxy(device, { get: (target, p) => values.get(p) ?? Reflect.get(target, p, target) as unknown });
}

function floatBits(x: number): number {
  const f = new Float32Array([x]);
  return new Uint32Array(f.buffer)[0]!;
}

