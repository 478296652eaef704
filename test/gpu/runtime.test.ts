/**
 * The GPU runtime's promises: errors that name what failed (a buffer over the limits, a shader that does not
 * compile, no WebGPU at all), a pipeline cache keyed by compile-time inputs, and the asynchronous readback ring.
 */
import { describe, expect, test } from 'vitest';
import { BufferTooLargeError, ShaderCompileError, WebGpuUnavailableError } from '../../src/gpu/errors.js';
import { checkBufferSize } from '../../src/gpu/buffers.js';
import { ReadbackRing } from '../../src/gpu/readback.js';
import { Recorder, gridFor } from '../../src/gpu/recorder.js';
import { requestBrowserAdapter } from '../../src/gpu/device.js';
import { gpuTest } from '../helpers/gpu.js';

describe('GPU runtime', () => {
  gpuTest('a buffer over the device limits names the buffer, its size and the limit', async (gpu) => {
    const limit = gpu.limits.maxStorageBufferBindingSize;
    let error: unknown;
    try {
      gpu.buffer({ label: 'RuntimeTest.huge', size: limit + 4 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(BufferTooLargeError);
    expect((error as Error).message).toContain(`buffer 'RuntimeTest.huge' needs ${limit + 4} bytes`);
    expect((error as Error).message).toContain(`maxStorageBufferBindingSize of ${limit} bytes`);
  });

  test('buffer limits are checked per usage', () => {
    const limits = { maxBufferSize: 1000, maxStorageBufferBindingSize: 100 } as GPUSupportedLimits;
    expect(() => checkBufferSize(limits, 'A.b', 200, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST)).not.toThrow();
    expect(() => checkBufferSize(limits, 'A.b', 200, GPUBufferUsage.STORAGE)).toThrow(/maxStorageBufferBindingSize of 100/);
    expect(() => checkBufferSize(limits, 'A.b', 2000, GPUBufferUsage.COPY_DST)).toThrow(/maxBufferSize of 1000/);
  });

  gpuTest('a shader that does not compile names the kernel, the message and the line', async (gpu) => {
    const error = await gpu.pipelines
      .pipeline({
        label: 'RuntimeTest.broken',
        key: 'RuntimeTest.broken',
        entryPoint: 'main',
        build: () => '@compute @workgroup_size(1)\nfn main() {\n  let x: f32 = undefined_name;\n}\n',
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShaderCompileError);
    expect((error as ShaderCompileError).kernel).toBe('RuntimeTest.broken');
    expect((error as Error).message).toMatch(/kernel 'RuntimeTest.broken' failed to compile:\n {2}line 3:\d+: .*undefined_name/);
    expect((error as ShaderCompileError).messages.find((m) => m.type === 'error')).toMatchObject({ line: 3, sourceLine: '  let x: f32 = undefined_name;' });
  });

  gpuTest('the pipeline cache compiles once per key and apart for different keys', async (gpu) => {
    const request = (key: string, body: string) => ({
      label: 'RuntimeTest.cached',
      key,
      entryPoint: 'main',
      build: () => `@group(0) @binding(0) var<storage, read_write> out: array<f32>;\n@compute @workgroup_size(1) fn main() { out[0] = ${body}; }`,
    });
    const before = gpu.pipelines.size;
    const [a, b] = await Promise.all([gpu.pipelines.pipeline(request('RuntimeTest:1', '1.0')), gpu.pipelines.pipeline(request('RuntimeTest:1', '1.0'))]);
    const c = await gpu.pipelines.pipeline(request('RuntimeTest:2', '2.0'));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(gpu.pipelines.size - before).toBe(2);
  });

  gpuTest('the readback ring returns each submitted copy, three in flight', async (gpu) => {
    const source = gpu.buffer({ label: 'RuntimeTest.source', size: 16 });
    const ring = new ReadbackRing(gpu, 'RuntimeTest.ring', 16, 3);
    const reads: Promise<ArrayBuffer>[] = [];
    for (let i = 0; i < 5; i++) {
      gpu.write(source, 0, new Float32Array([i, i + 1, i + 2, i + 3]));
      const recorder = new Recorder(gpu, 'RuntimeTest.encoder');
      const read = await ring.enqueue(recorder, source);
      recorder.submit();
      reads.push(read());
    }
    const values = (await Promise.all(reads)).map((bytes) => [...new Float32Array(bytes)]);
    expect(values).toEqual([0, 1, 2, 3, 4].map((i) => [i, i + 1, i + 2, i + 3]));
    expect(ring.reads).toBe(5);
    ring.destroy();
    source.destroy();
  });

  test('dispatch grids split over two dimensions past the per-dimension limit', () => {
    expect(gridFor(100, 64)).toEqual([2, 1]);
    expect(gridFor(65535 * 64, 64)).toEqual([65535, 1]);
    const [x, y] = gridFor(65536 * 64 + 1, 64);
    expect(x * y * 64).toBeGreaterThanOrEqual(65536 * 64 + 1);
    expect(x).toBeLessThanOrEqual(65535);
  });

  test('a browser without WebGPU gets an error saying what to enable', async () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'navigator');
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true });
    try {
      await expect(requestBrowserAdapter()).rejects.toThrow(WebGpuUnavailableError);
      await expect(requestBrowserAdapter()).rejects.toThrow(/--enable-unsafe-webgpu/);
    } finally {
      if (saved) Object.defineProperty(globalThis, 'navigator', saved);
      else delete (globalThis as { navigator?: unknown }).navigator;
    }
  });
});
