/**
 * createEnv: one door to a batch of any registered environment, GPU (WGSL) or JavaScript, with the same VecEnv
 * face. JavaScript environments need no GPU (none is requested for them).
 */
import { getGpu, type Gpu } from '../gpu/device.js';
import { EnvInputError, describeValue } from './errors.js';
import { GpuVecEnv } from './gpuEnv.js';
import { JsVecEnv } from './jsEnv.js';
import { getEnvDefinition, isGpuEnvDefinition } from './registry.js';
import { requirePositiveInteger, requireSeed } from './validate.js';
import { checkOptionKeys } from '../options.js';

export interface CreateEnvOptions {
  /** Number of environment instances stepped together. */
  numEnvs: number;
  /** u32 seed: the same seed gives the same trajectories for the same actions. Default 0. */
  seed?: number;
  /** Device for GPU environments; default the shared one (getGpu()). */
  gpu?: Gpu;
}

export async function createEnv(id: string, options: CreateEnvOptions): Promise<GpuVecEnv | JsVecEnv> {
  const definition = getEnvDefinition(id);
  const where = `createEnv('${definition.id}')`;
  if (typeof options !== 'object' || options === null) {
    throw new EnvInputError(where, 'options', describeValue(options), '{ numEnvs, seed?, gpu? }');
  }
  checkOptionKeys(where, options, ['numEnvs', 'seed', 'gpu']);
  const numEnvs = requirePositiveInteger(where, 'numEnvs', options.numEnvs);
  const seed = requireSeed(where, options.seed ?? 0);
  if (!isGpuEnvDefinition(definition)) return new JsVecEnv(definition, { numEnvs, seed });
  const gpu = options.gpu ?? (await getGpu());
  return GpuVecEnv.create(gpu, definition, { numEnvs, seed });
}
