/// <reference types="@webgpu/types" preserve="true" />
/**
 * The public API of webgpu-rl: `import { ... } from 'webgpu-rl'` in Node and in a browser bundle (Vite).
 * For now the GPU runtime: getting a device (browser or Node) and the errors the engine raises.
 */
export { Gpu, getGpu, requestGpu, type AdapterDescription, type GpuOptions } from './gpu/device.js';
export {
  BufferTooLargeError,
  GpuValidationError,
  ShaderCompileError,
  WebGpuUnavailableError,
  type ShaderMessage,
} from './gpu/errors.js';
