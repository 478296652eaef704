/**
 * The layout of the rollout storage as a uniform block (library; the storage itself: src/ppo/storage.ts). Sizes
 * and region offsets change with num_envs and num_steps, so they are read at run time and one pipeline serves
 * every size (the pipeline key holds only what changes the code: environment, networks, algorithm). A kernel
 * that reads the storage includes `store: rolloutStoreBinding` in its binding table.
 */
import { uniform } from '../gpu/bindings.js';
import { uniformStruct } from '../gpu/uniforms.js';

/** m = num_steps x num_envs; every other field is a region's offset in floats. */
export const RolloutStore = uniformStruct('RolloutStore', {
  num_envs: 'u32',
  num_steps: 'u32',
  m: 'u32',
  obs: 'u32',
  actions: 'u32',
  logprobs: 'u32',
  values: 'u32',
  rewards: 'u32',
  dones: 'u32',
  final_values: 'u32',
  episode_returns: 'u32',
  episode_lengths: 'u32',
  advantages: 'u32',
  returns: 'u32',
  old_dist: 'u32',
  masks: 'u32',
});

/** The `store` binding of a kernel that reads the rollout storage. */
export const rolloutStoreBinding = uniform(RolloutStore);
