/**
 * GPU test plumbing: one shared device per test file, every GPU test inside a validation and an out-of-memory
 * error scope (a WebGPU error fails the test), and a visible skip where no adapter exists (a failure under CI).
 */
import { test, type TestContext } from 'vitest';
import { getGpu, type Gpu } from '../../src/gpu/device.js';
import { WebGpuUnavailableError } from '../../src/gpu/errors.js';
import { skipUnlessCi } from './ciPromise.js';

let availability: Promise<Gpu | string> | undefined;

/** The shared device, or the reason there is none. */
export function gpuOrReason(): Promise<Gpu | string> {
  availability ??= getGpu().then(
    (gpu) => gpu,
    (error: unknown) => {
      if (error instanceof WebGpuUnavailableError) return error.message;
      throw error;
    },
  );
  return availability;
}

/** A test that runs on the GPU, fails on any WebGPU error, and skips (saying why) without an adapter; fails under CI. */
export function gpuTest(name: string, body: (gpu: Gpu, context: TestContext) => Promise<void>, timeout?: number): void {
  test(name, async (context) => {
    const gpu = await gpuOrReason();
    if (typeof gpu === 'string') {
      skipUnlessCi(context, 'a WebGPU adapter', gpu);
      return;
    }
    gpu.device.pushErrorScope('out-of-memory');
    gpu.device.pushErrorScope('validation');
    let failure: unknown;
    try {
      await body(gpu, context);
    } catch (error) {
      failure = error;
    }
    const validation = await gpu.device.popErrorScope();
    const memory = await gpu.device.popErrorScope();
    if (failure) throw failure;
    if (validation) throw new Error(`WebGPU validation error: ${validation.message}`);
    if (memory) throw new Error(`WebGPU out-of-memory error: ${memory.message}`);
  }, timeout);
}
