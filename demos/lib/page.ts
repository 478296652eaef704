/**
 * How a demo page that trains starts: it asks for WebGPU (without it, the notice from webgpu.ts and the body's
 * state 'no-webgpu'), then runs the page's own start with the GPU. A start that fails says so on the status line
 * (#status) and in the console, so the page never sits silent.
 */
import type { Gpu } from '../../src/index.js';
import { requireWebGpu } from './webgpu.js';

export function startPage(start: (gpu: Gpu) => Promise<void>): void {
  const status = document.getElementById('status')!;
  const run = async () => {
    status.textContent = 'Requesting a WebGPU device…';
    const gpu = await requireWebGpu(document.getElementById('webgpu-notice')!);
    if (!gpu) {
      status.textContent = 'WebGPU is unavailable: see the notice above.';
      status.dataset.kind = 'error';
      document.body.dataset.state = 'no-webgpu';
      return;
    }
    await start(gpu);
  };
  run().catch((error: unknown) => {
    status.textContent = `The page failed to start: ${error instanceof Error ? error.message : String(error)}`;
    status.dataset.kind = 'error';
    console.error(error);
  });
}
