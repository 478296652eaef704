/**
 * The asynchronous readback ring. Results come back to the CPU through a small ring of MAP_READ staging buffers:
 * a copy into the next free slot is recorded in the same command encoder as the work that produced it, and the
 * slot is mapped after submission without blocking, so the GPU goes on with the next iteration while the CPU
 * reads this one. A slot is free again once its contents have been copied out.
 */
import type { Gpu } from './device.js';
import type { Recorder } from './recorder.js';

interface Slot {
  buffer: GPUBuffer;
  /** Resolves when the slot's previous read has finished. */
  free: Promise<void>;
}

export class ReadbackRing {
  private readonly slots: Slot[];
  private next = 0;
  /** Number of reads issued (each one a readback in the per-iteration counters). */
  reads = 0;

  constructor(
    private readonly gpu: Gpu,
    readonly label: string,
    readonly byteSize: number,
    depth = 3,
  ) {
    this.slots = Array.from({ length: depth }, (_, i) => ({
      buffer: gpu.buffer({
        label: `${label}.staging${i}`,
        size: byteSize,
        usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      }),
      free: Promise.resolve(),
    }));
  }

  /**
   * Waits for a free slot (only when the CPU is `depth` reads ahead of the GPU), records a copy of
   * `size` bytes of `source` into it, and returns a function that, called after the recorder is submitted,
   * maps the slot and resolves to a copy of the bytes.
   */
  async enqueue(recorder: Recorder, source: GPUBuffer, sourceOffset = 0, size = this.byteSize): Promise<() => Promise<ArrayBuffer>> {
    return this.enqueueParts(recorder, [{ source, sourceOffset, size }]);
  }

  /** enqueue for several sources copied one after another into the same slot (still one map: one readback). */
  async enqueueParts(recorder: Recorder, parts: readonly { source: GPUBuffer; sourceOffset?: number; size: number }[]): Promise<() => Promise<ArrayBuffer>> {
    const slot = this.slots[this.next]!;
    this.next = (this.next + 1) % this.slots.length;
    await slot.free;
    let offset = 0;
    for (const part of parts) {
      recorder.copy(part.source, part.sourceOffset ?? 0, slot.buffer, offset, part.size);
      offset += part.size;
    }
    const size = offset;
    this.reads += 1;
    let release!: () => void;
    slot.free = new Promise<void>((resolve) => (release = resolve));
    return async () => {
      try {
        await slot.buffer.mapAsync(GPUMapMode.READ, 0, size);
        const copy = slot.buffer.getMappedRange(0, size).slice(0);
        slot.buffer.unmap();
        return copy;
      } finally {
        release();
      }
    };
  }

  destroy(): void {
    for (const slot of this.slots) this.gpu.destroyBuffer(slot.buffer);
  }
}

/**
 * Reads `size` bytes of a buffer once (tests, user-facing typed-array APIs): one encoder, one submit, one map.
 * Not for use inside a training iteration.
 */
export async function readBuffer(gpu: Gpu, source: GPUBuffer, size = source.size, sourceOffset = 0): Promise<ArrayBuffer> {
  const staging = gpu.buffer({
    label: `${source.label}.readback`,
    size,
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
  });
  try {
    const encoder = gpu.device.createCommandEncoder({ label: `${source.label}.readback` });
    encoder.copyBufferToBuffer(source, sourceOffset, staging, 0, Math.ceil(size / 4) * 4);
    gpu.device.queue.submit([encoder.finish()]);
    await staging.mapAsync(GPUMapMode.READ);
    return staging.getMappedRange().slice(0, size);
  } finally {
    gpu.destroyBuffer(staging);
  }
}

export async function readFloat32(gpu: Gpu, source: GPUBuffer, count?: number, offsetElements = 0): Promise<Float32Array> {
  const n = count ?? (source.size / 4 - offsetElements);
  return new Float32Array(await readBuffer(gpu, source, n * 4, offsetElements * 4));
}

export async function readUint32(gpu: Gpu, source: GPUBuffer, count?: number, offsetElements = 0): Promise<Uint32Array> {
  const n = count ?? (source.size / 4 - offsetElements);
  return new Uint32Array(await readBuffer(gpu, source, n * 4, offsetElements * 4));
}
