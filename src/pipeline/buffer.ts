// A GPU buffer the engine made. It is released by dispose(), never left to the garbage collector.
export class GpuBuffer {
  private _disposed = false;
  constructor(
    readonly gpu: GPUBuffer,
    readonly size: number,
    readonly label: string,
    private readonly onDispose: (b: GpuBuffer) => void,
  ) {}
  get isDisposed(): boolean { return this._disposed; }
  /** A byte range of this buffer, for binding part of it (offsets must be multiples of 256 for storage bindings). */
  slice(offset: number, size: number): BufferSlice {
    if (offset < 0 || size < 0 || offset + size > this.size) throw new Error(`slice [${offset}, ${offset + size}) is outside ${this.label} (${this.size} bytes)`);
    return { buffer: this, offset, size };
  }
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    this.gpu.destroy();
    this.onDispose(this);
  }
}

export interface BufferSlice {
  buffer: GpuBuffer;
  offset: number;
  size: number;
}

export function sliceOf(b: GpuBuffer | BufferSlice): BufferSlice {
  return b instanceof GpuBuffer ? { buffer: b, offset: 0, size: b.size } : b;
}

/** A whole buffer or a byte range of one: what a kernel binding takes. */
export type Buf = GpuBuffer | BufferSlice;

/** An rgba32float (Engine.texels) or rgba32uint (Engine.uintTexels) 2-D texture the engine made: the texel at
 *  linear index i is (i mod width, floor(i / width)). Released by dispose(), never left to the garbage collector. */
export class GpuTexture {
  private _disposed = false;
  constructor(
    readonly gpu: GPUTexture,
    readonly view: GPUTextureView,
    readonly width: number,
    readonly height: number,
    readonly label: string,
    /** returns true when it kept the GPU texture for reuse (then dispose() does not destroy it) */
    private readonly onDispose: (t: GpuTexture) => boolean | void,
    readonly format: 'rgba32float' | 'rgba32uint' = 'rgba32float',
  ) {}
  get isDisposed(): boolean { return this._disposed; }
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    if (this.onDispose(this) !== true) this.gpu.destroy();
  }
}
