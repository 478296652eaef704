/**
 * Buffer requests and the checks made on them: every buffer carries a label `Owner.role` and is checked against the
 * device's limits with an error that names it. Buffers are made and destroyed by `Gpu.buffer` / `Gpu.destroyBuffer`
 * (device.ts), which count their bytes in `Gpu.bytesAllocated`.
 */
import { BufferTooLargeError } from './errors.js';

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

/**
 * What the users of a buffer need of the runtime: make a labelled, counted buffer and queue a write into one.
 * `Gpu` (device.ts) is the implementation; modules that device.ts itself imports take this instead of `Gpu`.
 */
export interface BufferMaker {
  buffer(request: BufferRequest): GPUBuffer;
  write(buffer: GPUBuffer, offset: number, data: ArrayBufferView): void;
}

export function storageUsage(): GPUBufferUsageFlags {
  return GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
}

/** A request's size rounded up to a multiple of 4 (at least 4, and at least its initial data). */
export function paddedSize(request: BufferRequest): number {
  return Math.max(4, Math.ceil(Math.max(request.size, request.data?.byteLength ?? 0) / 4) * 4);
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
