/**
 * GPU timing with timestamp queries, where the adapter has them (`Gpu.hasTimestamps`). A GpuTimer hands out
 * timestampWrites for compute passes (begin and end of each pass), resolves them into a buffer in the same
 * encoder, and reads them back after submission: durations in nanoseconds per named pass.
 * Without timestamp queries, `passWrites` returns undefined and `read` resolves to an empty list; callers then
 * time on the CPU around `queue.onSubmittedWorkDone()`.
 */
import type { Gpu } from './device.js';
import { readBuffer } from './readback.js';
import type { Recorder } from './recorder.js';

export interface PassTime {
  name: string;
  nanoseconds: number;
}

export class GpuTimer {
  private readonly querySet: GPUQuerySet | undefined;
  private readonly resolveBuffer: GPUBuffer | undefined;
  private names: string[] = [];

  constructor(
    private readonly gpu: Gpu,
    readonly label: string,
    readonly capacity = 64,
  ) {
    if (!gpu.hasTimestamps) return;
    this.querySet = gpu.device.createQuerySet({ label: `${label}.queries`, type: 'timestamp', count: capacity * 2 });
    this.resolveBuffer = gpu.buffer({
      label: `${label}.resolve`,
      size: capacity * 16,
      usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
    });
  }

  get enabled(): boolean {
    return this.querySet !== undefined;
  }

  /** Timestamp writes for the next pass named `name`, or undefined when timing is off or the set is full. */
  passWrites(name: string): GPUComputePassTimestampWrites | undefined {
    if (!this.querySet || this.names.length >= this.capacity) return undefined;
    const index = this.names.length;
    this.names.push(name);
    return { querySet: this.querySet, beginningOfPassWriteIndex: 2 * index, endOfPassWriteIndex: 2 * index + 1 };
  }

  /** Records the resolve into `recorder`; call once after the timed passes, before submitting. */
  resolve(recorder: Recorder): void {
    if (!this.querySet || !this.resolveBuffer || this.names.length === 0) return;
    recorder.endPass();
    recorder.encoder.resolveQuerySet(this.querySet, 0, this.names.length * 2, this.resolveBuffer, 0);
  }

  /** After submission: the duration of each timed pass, then resets for the next use. */
  async read(): Promise<PassTime[]> {
    const names = this.names;
    this.names = [];
    if (!this.resolveBuffer || names.length === 0) return [];
    const stamps = new BigUint64Array(await readBuffer(this.gpu, this.resolveBuffer, names.length * 16));
    return names.map((name, i) => ({ name, nanoseconds: Number(stamps[2 * i + 1]! - stamps[2 * i]!) }));
  }

  destroy(): void {
    this.querySet?.destroy();
    this.gpu.destroyBuffer(this.resolveBuffer);
  }
}
