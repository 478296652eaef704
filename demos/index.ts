/** The demos' index: says up front whether this browser has WebGPU, and how to turn it on when it does not. */
import { describeAdapter, requireWebGpu } from './lib/webgpu.js';

async function main(): Promise<void> {
  const status = document.getElementById('status')!;
  const gpu = await requireWebGpu(document.getElementById('webgpu-notice')!);
  if (!gpu) {
    status.textContent = 'WebGPU is unavailable, so these demos cannot run in this browser: see above.';
    status.dataset.kind = 'error';
    document.body.dataset.state = 'no-webgpu';
    return;
  }
  status.textContent = `WebGPU is available: ${describeAdapter(gpu)}.`;
  status.dataset.kind = 'ok';
  document.body.dataset.state = 'ready';
}

main().catch((error: unknown) => {
  const status = document.getElementById('status')!;
  status.textContent = `Checking for WebGPU failed: ${error instanceof Error ? error.message : String(error)}`;
  status.dataset.kind = 'error';
  console.error(error);
});
