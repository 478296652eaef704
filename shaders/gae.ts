/**
 * Generalized advantage estimation (owner: src/algos/gae.ts), a reverse scan over time per environment, one
 * invocation per environment. With t the transition taken at step t and V_T the value after the last step:
 *
 *   delta_t = r_t + γ (1 - term_t)(1 - trunc_t) V_{t+1} + γ (1 - term_t) trunc_t Vfinal_t - V_t
 *   A_t     = delta_t + γλ (1 - term_t)(1 - trunc_t) A_{t+1}          (A_T = 0)
 *   R_t     = A_t + V_t                                               (the critic's target)
 *
 * All arrays are regions of one buffer (the rollout storage, or computeGae's packed copy), time-major
 * [t][n] at the offsets given in the uniform, so the trainer and the typed-array API share this pipeline.
 */

export const GAE_WORKGROUP = 64;

/** Uniform words: num_envs, num_steps, then offsets of rewards, values, dones, final values, advantages, returns, then gamma, lambda. */
export const GAE_PARAMS_WORDS = 12;

export function gaeWgsl(): string {
  return /* wgsl */ `
struct Params {
  num_envs: u32, num_steps: u32,
  rewards: u32, values: u32, dones: u32, final_values: u32, advantages: u32, returns: u32,
  gamma: f32, lambda: f32, unused0: u32, unused1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> data: array<f32>;

@compute @workgroup_size(${GAE_WORKGROUP})
fn gae(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = gid.x + gid.y * nwg.x * ${GAE_WORKGROUP}u;
  if (n >= p.num_envs) { return; }
  var next_value = data[p.values + p.num_steps * p.num_envs + n];
  var next_advantage = 0.0;
  for (var step = 0u; step < p.num_steps; step++) {
    let t = p.num_steps - 1u - step;
    let s = t * p.num_envs + n;
    let done = u32(data[p.dones + s]);
    let terminated = f32(done & 1u);
    let truncated = f32((done >> 1u) & 1u);
    let continues = (1.0 - terminated) * (1.0 - truncated);
    let value = data[p.values + s];
    let delta = data[p.rewards + s] + p.gamma * continues * next_value
      + p.gamma * (1.0 - terminated) * truncated * data[p.final_values + s] - value;
    let advantage = delta + p.gamma * p.lambda * continues * next_advantage;
    data[p.advantages + s] = advantage;
    data[p.returns + s] = advantage + value;
    next_value = value;
    next_advantage = advantage;
  }
}
`;
}
