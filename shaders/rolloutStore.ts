/**
 * The layout of the rollout storage as a uniform block (library; the storage itself: src/algos/storage.ts). Sizes
 * and region offsets change with num_envs and num_steps, so they are read at run time and one pipeline serves
 * every size (the pipeline key holds only what changes the code: environment, networks, algorithm).
 */

/** Field order of the uniform block, one u32 each. */
export const STORE_FIELDS = [
  'num_envs',
  'num_steps',
  'm',
  'obs',
  'actions',
  'logprobs',
  'values',
  'rewards',
  'dones',
  'final_values',
  'episode_returns',
  'episode_lengths',
  'advantages',
  'returns',
  'old_dist',
] as const;
export const STORE_WORDS = Math.ceil(STORE_FIELDS.length / 4) * 4;

/** `store`: the uniform at @group(0) @binding(binding). m = num_steps x num_envs; offsets in floats. */
export function rolloutStoreWgsl(binding: number): string {
  const padding = Array.from({ length: STORE_WORDS - STORE_FIELDS.length }, (_, i) => `  unused${i}: u32,`).join('\n');
  return /* wgsl */ `
struct RolloutStore {
${STORE_FIELDS.map((name) => `  ${name}: u32,`).join('\n')}
${padding}
}
@group(0) @binding(${binding}) var<uniform> store: RolloutStore;
`;
}
