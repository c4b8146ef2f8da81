/**
 * GPU storage buffers by size class, reused instead of created per call (buffer creation and
 * zeroing cost more than small kernels). Sizes round up to a power of two from 256 bytes, so a
 * freed buffer serves the next request of its class. `current`/`peak` count bytes held by live
 * tensors and scratch (the size classes' bytes, what the device really holds for them); `pooled`
 * counts idle buffers kept for reuse.
 */
import { AbwError } from '../../errors';
import type { GPUBufferLike, GPUDeviceLike } from './dawn';

declare const GPUBufferUsage: Record<string, number>;

function sizeClass(bytes: number): number {
  let c = 256;
  while (c < bytes) c *= 2;
  return c;
}

export class BufferPool {
  private readonly idle = new Map<number, GPUBufferLike[]>();
  private currentBytes = 0;
  private peakBytes = 0;
  private pooledBytes = 0;

  constructor(
    private readonly device: GPUDeviceLike,
    private readonly maxBufferSize: number,
  ) {}

  acquire(bytes: number, label: string): GPUBufferLike {
    const size = sizeClass(Math.max(4, bytes));
    if (size > this.maxBufferSize && bytes <= this.maxBufferSize) {
      const exact = Math.ceil(bytes / 4) * 4; // too large for a size class: an exact, unpooled buffer
      return this.track(this.create(exact, label), exact);
    }
    if (bytes > this.maxBufferSize) {
      throw new AbwError('ABW_ENOMEM', `webgpu: ${label} needs a ${bytes}-byte buffer; the adapter's maxBufferSize is ${this.maxBufferSize}`);
    }
    const list = this.idle.get(size);
    const reused = list?.pop();
    if (reused) {
      this.pooledBytes -= size;
      return this.track(reused, size);
    }
    return this.track(this.create(size, label), size);
  }

  release(buffer: GPUBufferLike): void {
    const size = buffer.size as number;
    this.currentBytes -= size;
    if (size !== sizeClass(size)) {
      buffer.destroy();
      return;
    }
    const list = this.idle.get(size) ?? [];
    list.push(buffer);
    this.idle.set(size, list);
    this.pooledBytes += size;
  }

  get current(): number {
    return this.currentBytes;
  }

  get peak(): number {
    return this.peakBytes;
  }

  get pooled(): number {
    return this.pooledBytes;
  }

  resetPeak(): void {
    this.peakBytes = this.currentBytes;
  }

  /** Destroys the idle buffers (live ones are destroyed with the device). */
  trim(): void {
    for (const list of this.idle.values()) for (const b of list) b.destroy();
    this.idle.clear();
    this.pooledBytes = 0;
  }

  private create(size: number, label: string): GPUBufferLike {
    return this.device.createBuffer({
      label,
      size,
      usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
    });
  }

  private track(b: GPUBufferLike, size: number): GPUBufferLike {
    this.currentBytes += size;
    this.peakBytes = Math.max(this.peakBytes, this.currentBytes);
    return b;
  }
}
