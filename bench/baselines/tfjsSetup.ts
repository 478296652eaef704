/**
 * Loads TensorFlow.js with a backend, in Node or in a page.
 *
 *   'webgpu'  tfjs-backend-webgpu. In a page it uses the browser's navigator.gpu (the adapter the engine uses).
 *             In Node it runs on Dawn: we install `navigator = { gpu: create([]) }` from the `webgpu` package
 *             before importing the backend (it registers itself only where navigator.gpu exists), so TF.js gets
 *             its own device on the same adapter as the engine.
 *   'cpu'     TF.js's plain-JavaScript backend (tfjs-node would download a native binary at install time).
 */
import type { AdapterDescription } from '../../src/gpu/device.js';
import type { Tf } from './tfjsPpo.js';

export type TfjsBackend = 'webgpu' | 'cpu';

export interface LoadedTfjs {
  tf: Tf;
  backend: TfjsBackend;
  /** The adapter of the WebGPU backend (undefined for 'cpu'). */
  adapter: AdapterDescription | undefined;
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

export async function loadTfjs(backend: TfjsBackend): Promise<LoadedTfjs> {
  if (backend === 'webgpu' && isNode) await installNodeNavigator();
  const tf = (await import('@tensorflow/tfjs')) as unknown as Tf;
  if (backend === 'webgpu') await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js: backend '${backend}' failed to initialise`);
  await tf.ready();
  let adapter: AdapterDescription | undefined;
  if (backend === 'webgpu') {
    const device = (tf.backend() as unknown as { device: GPUDevice & { adapterInfo?: GPUAdapterInfo } }).device;
    const info = device.adapterInfo;
    adapter = { vendor: info?.vendor ?? '', architecture: info?.architecture ?? '', description: info?.description ?? '' };
  }
  return { tf, backend, adapter };
}
