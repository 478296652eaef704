/**
 * Buffer creation: every buffer carries a label `Owner.role`, is checked against the device's limits with an error
 * that names it, and is counted in `Gpu.bytesAllocated` (reported as `gpu.bufferBytes` in training summaries).
 */
import { BufferTooLargeError } from './errors.js';
import type { Gpu } from './device.js';

export interface BufferRequest {
  /** `Owner.role`, e.g. `Adam.moments`. */
  label: string;
  /** Bytes; rounded up to a multiple of 4. */
  size: number;
  /** Defaults to STORAGE | COPY_SRC | COPY_DST. */
  usage?: GPUBufferUsageFlags;
  /** Initial contents, written at creation (mappedAtCreation, no queue round trip). */
  data?: ArrayBufferView;
}

const sizes = new WeakMap<GPUBuffer, number>();

export function storageUsage(): GPUBufferUsageFlags {
  return GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
}

export function createBuffer(gpu: Gpu, request: BufferRequest): GPUBuffer {
  const usage = request.usage ?? storageUsage();
  const size = Math.max(4, Math.ceil(Math.max(request.size, request.data?.byteLength ?? 0) / 4) * 4);
  checkBufferSize(gpu.limits, request.label, size, usage);
  const buffer = gpu.device.createBuffer({
    label: request.label,
    size,
    usage,
    mappedAtCreation: request.data !== undefined,
  });
  if (request.data) {
    const bytes = new Uint8Array(request.data.buffer, request.data.byteOffset, request.data.byteLength);
    new Uint8Array(buffer.getMappedRange()).set(bytes);
    buffer.unmap();
  }
  sizes.set(buffer, size);
  gpu.bytesAllocated += size;
  return buffer;
}

/** Destroys a buffer made by createBuffer and takes it off the byte count. */
export function destroyBuffer(gpu: Gpu, buffer: GPUBuffer | undefined): void {
  if (!buffer) return;
  const size = sizes.get(buffer);
  if (size !== undefined) {
    gpu.bytesAllocated -= size;
    sizes.delete(buffer);
  }
  buffer.destroy();
}

/** Throws BufferTooLargeError when `size` is over what the device allows for a buffer of this usage. */
export function checkBufferSize(limits: GPUSupportedLimits, label: string, size: number, usage: GPUBufferUsageFlags): void {
  if (size > limits.maxBufferSize) {
    throw new BufferTooLargeError(label, size, limits.maxBufferSize, 'maxBufferSize');
  }
  if (usage & GPUBufferUsage.STORAGE && size > limits.maxStorageBufferBindingSize) {
    throw new BufferTooLargeError(label, size, limits.maxStorageBufferBindingSize, 'maxStorageBufferBindingSize');
  }
}

/** The largest storage buffer a binding may cover on this device. */
export function maxStorageBytes(limits: GPUSupportedLimits): number {
  return Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize);
}
