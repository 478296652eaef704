/**
 * Loads TensorFlow.js with a backend, in Node or in a page.
 *
 *   'webgpu'  tfjs-backend-webgpu. In a page it uses the browser's navigator.gpu (the adapter the engine uses).
 *             In Node it runs on Dawn: we install `navigator = { gpu: create([]) }` from the `webgpu` package
 *             before importing the backend (it registers itself only where navigator.gpu exists), so TF.js gets
 *             its own device on the same adapter as the engine.
 *   'wasm'    tfjs-backend-wasm (XNNPACK compiled to WebAssembly), TF.js's fastest backend without a GPU, with the
 *             features TF.js itself detects: SIMD where WebAssembly has it, threads where the page is cross-origin
 *             isolated (TF.js 4.22 never uses threads in Node). Its .wasm binaries come from node_modules: in Node by
 *             their file path, in a page from the URL prefix the caller passes (bench/chrome.ts serves them).
 *   'cpu'     TF.js's plain-JavaScript backend (tfjs-node would download a native binary at install time).
 */
import type { AdapterDescription } from '../../src/gpu/device.js';
import type { Tf } from './tfjsPpo.js';

export type TfjsBackend = 'webgpu' | 'wasm' | 'cpu';

export interface LoadedTfjs {
  tf: Tf;
  backend: TfjsBackend;
  /** The adapter of the WebGPU backend (undefined for the others). */
  adapter: AdapterDescription | undefined;
  /** What the wasm backend runs with (undefined for the others). */
  wasm: WasmFeatures | undefined;
}

export interface WasmFeatures {
  /** tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'): the SIMD binary was loaded. */
  simd: boolean;
  /** tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT') with SIMD: the threaded binary was loaded. */
  threads: boolean;
  /** XNNPACK's thread pool size (getThreadsCount(): 1 without threads; with them, TF.js's default for the cores). */
  threadsCount: number;
  /** navigator.hardwareConcurrency where there is one (null in Node 20). */
  hardwareConcurrency: number | null;
  /** The page's crossOriginIsolated (null in Node), which threads need. */
  crossOriginIsolated: boolean | null;
}

export interface LoadOptions {
  /** In a page: the URL prefix (ending in '/') under which the three tfjs-backend-wasm .wasm files are served. */
  wasmPaths?: string;
}

const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';
/** Dawn instances handed to TF.js: they must stay referenced while their devices live (Dawn dies when one is collected). */
const keep: unknown[] = [];

async function installNodeNavigator(): Promise<void> {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (g.navigator?.gpu) return;
  const moduleName = 'webgpu';
  const dawn = (await import(/* @vite-ignore */ moduleName)) as { create(flags: string[]): GPU; globals: Record<string, unknown> };
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  keep.push(gpu);
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: `Node.js ${process.version}` }, configurable: true, writable: true });
}

/** The directory of tfjs-backend-wasm's .wasm files in node_modules, as the prefix setWasmPaths takes (Node). */
async function nodeWasmDirectory(): Promise<string> {
  const moduleName = 'node:module';
  const { createRequire } = (await import(/* @vite-ignore */ moduleName)) as typeof import('node:module');
  const main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  return main.slice(0, main.lastIndexOf('/') + 1);
}

export async function loadTfjs(backend: TfjsBackend, options: LoadOptions = {}): Promise<LoadedTfjs> {
  if (backend === 'webgpu' && isNode) await installNodeNavigator();
  const tf = (await import('@tensorflow/tfjs')) as unknown as Tf;
  if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  let wasmModule: typeof import('@tensorflow/tfjs-backend-wasm') | undefined;
  if (backend === 'wasm') {
    wasmModule = await import('@tensorflow/tfjs-backend-wasm');
    const prefix = isNode ? await nodeWasmDirectory() : options.wasmPaths;
    if (!prefix) throw new Error("TF.js wasm: no URL for the .wasm files (loadTfjs('wasm', { wasmPaths }))");
    wasmModule.setWasmPaths(prefix);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js: backend '${backend}' failed to initialise`);
  await tf.ready();
  let wasm: WasmFeatures | undefined;
  if (wasmModule) {
    const env = tf.env();
    const simd = (await env.getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    const threads = simd && (await env.getAsync('WASM_HAS_MULTITHREAD_SUPPORT')) === true;
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
    const cores = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
    wasm = { simd, threads, threadsCount: wasmModule.getThreadsCount(), hardwareConcurrency: typeof cores === 'number' ? cores : null, crossOriginIsolated: isNode ? null : isolated === true };
  }
  let adapter: AdapterDescription | undefined;
  if (backend === 'webgpu') {
    const device = (tf.backend() as unknown as { device: GPUDevice & { adapterInfo?: GPUAdapterInfo } }).device;
    const info = device.adapterInfo;
    adapter = { vendor: info?.vendor ?? '', architecture: info?.architecture ?? '', description: info?.description ?? '' };
  }
  return { tf, backend, adapter, wasm };
}

/**
 * Replaces the backend by a new instance (what a page that starts TF.js pays: the wasm module instantiated, its
 * thread pool started; for webgpu, a new adapter and device with an empty shader cache) and makes it current;
 * returns the seconds that took. The old instance is disposed (its tensors are gone); a replaced webgpu device is
 * destroyed.
 */
export async function freshBackend(tf: Tf, backend: TfjsBackend): Promise<number> {
  const start = performance.now();
  const factory = tf.findBackendFactory(backend);
  if (!factory) throw new Error(`TF.js: backend '${backend}' is not registered`);
  // The engine's registry of live instances (findBackend would create one where there is none).
  const old = (tf.engine() as unknown as { registry: Record<string, { device?: GPUDevice } | undefined> }).registry[backend];
  tf.removeBackend(backend);
  old?.device?.destroy();
  tf.registerBackend(backend, factory);
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js: backend '${backend}' failed to initialise again`);
  await tf.ready();
  return (performance.now() - start) / 1000;
}
