/**
 * Device acquisition: one way to get a WebGPU device in the browser (navigator.gpu) and in Node (the `webgpu`
 * package, Dawn). In Node, when Dawn finds no adapter, we retry once with the SwiftShader Vulkan driver that
 * Chromium ships and say so once on stderr (README, "WebGPU without a GPU").
 *
 * The returned `Gpu` is the runtime every owner of a kernel receives: it holds the device, the adapter's
 * description, the pipeline cache and the byte counter of the buffers allocated through it.
 */
import { WebGpuUnavailableError } from './errors.js';
import { PipelineCache } from './pipelines.js';
import { checkBufferSize, paddedSize, storageUsage, type BufferMaker, type BufferRequest } from './buffers.js';

/** What the adapter says about itself; reported with every benchmark and training summary. */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  /** The device name where the platform gives one (e.g. lavapipe's 'llvmpipe-llvm-15-0-6-256-bits-'). */
  device?: string;
  description: string;
}

export interface GpuOptions {
  /** Ask for timestamp queries when the adapter has them (benchmarks). Default true. */
  timestamps?: boolean;
  /** Device to wrap instead of requesting one (a game that already owns a device). */
  device?: GPUDevice;
}

/** The limits this engine raises above WebGPU's defaults when the adapter allows it. */
const WANTED_LIMITS = [
  'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupsPerDimension',
] as const;

/** Where Debian's Chromium keeps its SwiftShader Vulkan driver (the Node fallback). */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export class Gpu implements BufferMaker {
  readonly pipelines: PipelineCache;
  /** Bytes of all buffers created through this object and not yet destroyed. */
  bytesAllocated = 0;
  /**
   * Calls of the device's queue.submit and of mapAsync on its buffers (created after this object), counted from
   * its creation: a training iteration reports the submits and readbacks it really made as differences of these.
   */
  readonly calls = { submits: 0, mapAsyncs: 0 };
  private lost = false;
  private placeholderBuffer: GPUBuffer | undefined;
  /** Padded size of each live buffer made by `buffer`, for the byte count. */
  private readonly bufferSizes = new WeakMap<GPUBuffer, number>();

  constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterDescription,
    readonly runtime: 'browser' | 'node',
    readonly hasTimestamps: boolean,
  ) {
    this.pipelines = new PipelineCache(device);
    this.countCalls(device);
    device.lost.then((info) => {
      this.lost = true;
      if (info.reason !== 'destroyed') console.error(`webgpu-rl: GPU device lost: ${info.message}`);
    });
  }

  /**
   * Wraps the device's queue.submit and createBuffer (on these objects, not their prototypes) so that every submit
   * and every mapAsync of a buffer created from now on is counted in `calls`.
   */
  private countCalls(device: GPUDevice): void {
    const calls = this.calls;
    const queue = device.queue;
    const submit = queue.submit;
    queue.submit = function (this: GPUQueue, ...args: Parameters<GPUQueue['submit']>) {
      calls.submits++;
      return submit.apply(this, args);
    };
    const createBuffer = device.createBuffer;
    device.createBuffer = function (this: GPUDevice, ...args: Parameters<GPUDevice['createBuffer']>) {
      const buffer = createBuffer.apply(this, args);
      const mapAsync = buffer.mapAsync;
      buffer.mapAsync = function (this: GPUBuffer, ...mapArgs: Parameters<GPUBuffer['mapAsync']>) {
        calls.mapAsyncs++;
        return mapAsync.apply(this, mapArgs);
      };
      return buffer;
    };
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  get isLost(): boolean {
    return this.lost;
  }

  /**
   * Creates a labelled buffer, checked against the device limits (checkBufferSize), filled with `request.data` when
   * given, and counted in `bytesAllocated` until `destroyBuffer`. The one way this engine makes a buffer.
   */
  buffer(request: BufferRequest): GPUBuffer {
    const usage = request.usage ?? storageUsage();
    const size = paddedSize(request);
    checkBufferSize(this.limits, request.label, size, usage);
    const buffer = this.device.createBuffer({
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
    this.bufferSizes.set(buffer, size);
    this.bytesAllocated += size;
    return buffer;
  }

  /** Destroys a buffer made by `buffer` and takes it off the byte count; `undefined` is a no-op. */
  destroyBuffer(buffer: GPUBuffer | undefined): void {
    if (!buffer) return;
    const size = this.bufferSizes.get(buffer);
    if (size !== undefined) {
      this.bytesAllocated -= size;
      this.bufferSizes.delete(buffer);
    }
    buffer.destroy();
  }

  /** Queues a write of `data` into `buffer` at `offset` bytes (ordered before the next submit; no wait). */
  write(buffer: GPUBuffer, offset: number, data: ArrayBufferView): void {
    this.device.queue.writeBuffer(buffer, offset, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  }

  /** A small storage buffer for bindings an entry point does not use (so a written buffer is not bound twice). */
  get placeholder(): GPUBuffer {
    this.placeholderBuffer ??= this.buffer({ label: 'Gpu.placeholder', size: 256 });
    return this.placeholderBuffer;
  }

  destroy(): void {
    this.device.destroy();
  }
}

/**
 * Objects returned by `webgpu`'s create(): they must stay referenced while their adapters and devices live; when one
 * is garbage-collected, the process dies inside Dawn ("futex facility returned an unexpected error code").
 */
const dawnInstances: unknown[] = [];
let fallbackAnnounced = false;

function isNode(): boolean {
  return typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';
}

async function requestNodeAdapter(): Promise<GPUAdapter> {
  // A variable specifier keeps bundlers (Vite) from trying to pack the native module into browser builds.
  const moduleName = 'webgpu';
  let dawn: { create(flags: string[]): GPU; globals: Record<string, unknown> };
  try {
    dawn = await import(/* @vite-ignore */ moduleName);
  } catch (cause) {
    throw new WebGpuUnavailableError(
      "WebGPU in Node needs the 'webgpu' package (Dawn): run `npm install webgpu`. " +
        `Loading it failed: ${(cause as Error).message}`,
    );
  }
  Object.assign(globalThis, dawn.globals);
  const first = dawn.create([]);
  dawnInstances.push(first);
  const adapter = await first.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter) return adapter;

  // process.getBuiltinModule (Node 20.16+) keeps bundlers from seeing a node: import in browser builds.
  const fs = (process as unknown as { getBuiltinModule(id: string): typeof import('node:fs') }).getBuiltinModule('node:fs');
  if (!process.env.VK_ICD_FILENAMES && fs.existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    const second = dawn.create([]);
    dawnInstances.push(second);
    const fallback = await second.requestAdapter();
    if (fallback) {
      if (!fallbackAnnounced) {
        fallbackAnnounced = true;
        console.error(
          "webgpu-rl: Dawn found no Vulkan adapter; using Chromium's SwiftShader (" + SWIFTSHADER_ICD + '). ' +
            'Mesa 25 lavapipe (Debian bookworm-backports: mesa-vulkan-drivers) runs compute 3-4x faster.',
        );
      }
      return fallback;
    }
  }
  throw new WebGpuUnavailableError(
    'Dawn (the `webgpu` package) found no WebGPU adapter. Without a GPU, install a software Vulkan driver: ' +
      'on Debian bookworm add the bookworm-backports suite and run ' +
      '`apt-get install -y -t bookworm-backports mesa-vulkan-drivers` (Mesa 25 lavapipe), or ' +
      '`apt-get install -y chromium` for its SwiftShader' +
      (process.env.VK_ICD_FILENAMES ? ` (VK_ICD_FILENAMES is set to '${process.env.VK_ICD_FILENAMES}')` : '') +
      '.',
  );
}

/** The browser path of requestGpu (exported for tests). */
export async function requestBrowserAdapter(): Promise<GPUAdapter> {
  const gpu = typeof navigator !== 'undefined' ? navigator.gpu : undefined;
  if (!gpu) {
    throw new WebGpuUnavailableError(
      'This browser has no WebGPU (navigator.gpu is undefined). Use Chrome or Edge 113+ on a secure origin ' +
        '(https or localhost); on Linux start Chrome with --enable-unsafe-webgpu (also what headless Chromium ' +
        'needs; without a GPU it runs WebGPU on SwiftShader), in Firefox Nightly set dom.webgpu.enabled.',
    );
  }
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    throw new WebGpuUnavailableError(
      'navigator.gpu.requestAdapter() returned no adapter: WebGPU is present but disabled or blocklisted for ' +
        'this GPU. In Chrome, open chrome://gpu to see why; --enable-unsafe-webgpu lifts the blocklist.',
    );
  }
  return adapter;
}

export async function requestGpu(options: GpuOptions = {}): Promise<Gpu> {
  const runtime = typeof navigator !== 'undefined' && navigator.gpu ? 'browser' : isNode() ? 'node' : 'browser';
  if (options.device) {
    return new Gpu(options.device, describe(options.device.adapterInfo), runtime, options.device.features.has('timestamp-query'));
  }
  const adapter = runtime === 'node' ? await requestNodeAdapter() : await requestBrowserAdapter();
  const requiredLimits: Record<string, number> = {};
  for (const name of WANTED_LIMITS) {
    const value = adapter.limits[name];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  const wantTimestamps = (options.timestamps ?? true) && adapter.features.has('timestamp-query');
  const device = await adapter.requestDevice({
    label: 'webgpu-rl',
    requiredLimits,
    requiredFeatures: wantTimestamps ? ['timestamp-query'] : [],
  });
  device.addEventListener('uncapturederror', (event) => {
    console.error(`webgpu-rl: uncaptured WebGPU error: ${(event as GPUUncapturedErrorEvent).error.message}`);
  });
  return new Gpu(device, describe(adapter.info), runtime, wantTimestamps);
}

function describe(info: GPUAdapterInfo | undefined): AdapterDescription {
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    device: info?.device ?? '',
    description: info?.description ?? '',
  };
}

let shared: Promise<Gpu> | undefined;

/** The process-wide (or page-wide) shared device, created on first use. */
export function getGpu(options?: GpuOptions): Promise<Gpu> {
  if (!shared) {
    shared = requestGpu(options);
    shared.catch(() => (shared = undefined));
  }
  return shared;
}
