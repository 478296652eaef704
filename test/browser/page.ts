/**
 * The page-side half of the browser harness (test/helpers/browser.ts). `runOnPage` gets the page's GPU through
 * the engine's own runtime, runs the body inside validation and out-of-memory error scopes, and publishes the
 * outcome on `globalThis.__webgpuRlOutcome`, where `BrowserSession.run` waits for it. Values must survive
 * structured cloning to JSON: plain numbers, strings, arrays and objects (typed arrays as `Array.from(...)`).
 */
import { getGpu, type Gpu } from '../../src/gpu/device.js';

declare global {
  // eslint-disable-next-line no-var
  var __webgpuRlOutcome: unknown;
}

export function runOnPage<T>(body: (gpu: Gpu) => Promise<T>): void {
  void (async () => {
    try {
      const gpu = await getGpu();
      gpu.device.pushErrorScope('out-of-memory');
      gpu.device.pushErrorScope('validation');
      let value: T;
      try {
        value = await body(gpu);
      } finally {
        const validation = await gpu.device.popErrorScope();
        const memory = await gpu.device.popErrorScope();
        if (validation) throw new Error(`WebGPU validation error: ${validation.message}`);
        if (memory) throw new Error(`WebGPU out-of-memory error: ${memory.message}`);
      }
      globalThis.__webgpuRlOutcome = { ok: true, value, adapter: gpu.adapter, userAgent: navigator.userAgent };
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      globalThis.__webgpuRlOutcome = { ok: false, error: message };
    }
  })();
}
