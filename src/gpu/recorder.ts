/**
 * Command encoding without waiting. A Recorder gathers the dispatches and copies of one unit of work (a training
 * iteration, an environment step) into one command encoder, in as few compute passes as possible, and submits it
 * once. It counts what it records, so that training summaries can report dispatches and submits per iteration.
 */
import type { Gpu } from './device.js';

export type Workgroups = readonly [number, number?, number?];

export class Recorder {
  readonly encoder: GPUCommandEncoder;
  dispatches = 0;
  copies = 0;
  private pass: GPUComputePassEncoder | undefined;

  constructor(
    private readonly gpu: Gpu,
    readonly label: string,
  ) {
    this.encoder = gpu.device.createCommandEncoder({ label });
  }

  /** Starts a compute pass explicitly, e.g. to attach timestamp writes to it. */
  beginPass(label: string, timestampWrites?: GPUComputePassTimestampWrites): GPUComputePassEncoder {
    this.endPass();
    this.pass = this.encoder.beginComputePass(timestampWrites ? { label, timestampWrites } : { label });
    return this.pass;
  }

  /** Records one dispatch; `dynamicOffsets` apply to group 0's dynamic bindings. */
  dispatch(
    pipeline: GPUComputePipeline,
    bindGroups: GPUBindGroup | readonly GPUBindGroup[],
    workgroups: Workgroups,
    dynamicOffsets?: readonly number[],
  ): void {
    const [x, y = 1, z = 1] = workgroups;
    if (x === 0 || y === 0 || z === 0) return;
    const pass = this.pass ?? this.beginPass(`${this.label}.pass`);
    pass.setPipeline(pipeline);
    const groups = Array.isArray(bindGroups) ? bindGroups : [bindGroups as GPUBindGroup];
    groups.forEach((group, index) => pass.setBindGroup(index, group, index === 0 && dynamicOffsets ? [...dynamicOffsets] : []));
    pass.dispatchWorkgroups(x, y, z);
    this.dispatches += 1;
  }

  copy(source: GPUBuffer, sourceOffset: number, destination: GPUBuffer, destinationOffset: number, size: number): void {
    this.endPass();
    this.encoder.copyBufferToBuffer(source, sourceOffset, destination, destinationOffset, size);
    this.copies += 1;
  }

  /** Zeroes `size` bytes of `buffer` from `offset` (outside any compute pass). */
  clear(buffer: GPUBuffer, offset = 0, size?: number): void {
    this.endPass();
    this.encoder.clearBuffer(buffer, offset, size);
  }

  endPass(): void {
    this.pass?.end();
    this.pass = undefined;
  }

  finish(): GPUCommandBuffer {
    this.endPass();
    return this.encoder.finish({ label: this.label });
  }

  /** Finishes and submits; never waits for the GPU. */
  submit(): void {
    this.gpu.device.queue.submit([this.finish()]);
  }
}

/**
 * Workgroup counts for `invocations` threads of `workgroupSize`, split over x and y when they exceed the device's
 * maxComputeWorkgroupsPerDimension. Kernels recover the linear index with `linear_index` (shaders/common.ts).
 */
export function gridFor(invocations: number, workgroupSize: number, maxPerDimension = 65535): [number, number] {
  const groups = Math.ceil(invocations / workgroupSize);
  if (groups <= maxPerDimension) return [groups, 1];
  const y = Math.ceil(groups / maxPerDimension);
  return [Math.ceil(groups / y), y];
}
