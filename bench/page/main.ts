/**
 * The suite's page: bench/chrome.ts opens it in headless Chromium (query: quick=1, only=ppo,act, wasm=URL prefix of
 * tfjs-backend-wasm's .wasm files), it runs the same cases as Node on the page's WebGPU device, with the TF.js
 * baseline on tfjs-backend-webgpu (the same adapter) and tfjs-backend-wasm, logs progress to the console, and
 * publishes the result on globalThis.__benchResult.
 */
import { getGpu } from '../../src/gpu/device.js';
import { CASE_NAMES, runSuite, describe, type CaseName, type SuiteResult } from '../suite.js';

declare global {
  // eslint-disable-next-line no-var
  var __benchResult: { ok: true; value: SuiteResult; userAgent: string } | { ok: false; error: string } | undefined;
}

const query = new URLSearchParams(location.search);
const quick = query.get('quick') === '1';
const wasmPaths = query.get('wasm') ?? undefined;
const only = (query.get('only') ?? '').split(',').filter((name): name is CaseName => (CASE_NAMES as readonly string[]).includes(name));
const pre = document.getElementById('log')!;
const started = performance.now();
const log = (line: string) => {
  const text = `[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${line}`;
  console.log(text);
  pre.textContent += `${text}\n`;
};

try {
  const gpu = await getGpu();
  log(`${navigator.userAgent}; adapter ${describe(gpu.adapter)}${quick ? ', quick run' : ''}`);
  gpu.device.addEventListener('uncapturederror', (event) => log(`uncaptured WebGPU error: ${(event as GPUUncapturedErrorEvent).error.message}`));
  const value = await runSuite(gpu, { runtime: 'chrome', quick, only, tfjsBackends: ['webgpu', 'wasm'], tfjsWasmPaths: wasmPaths, log });
  globalThis.__benchResult = { ok: true, value, userAgent: navigator.userAgent };
} catch (error) {
  const message = error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
  log(`failed: ${message}`);
  globalThis.__benchResult = { ok: false, error: message };
}
