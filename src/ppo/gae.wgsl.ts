/**
 * Generalized advantage estimation (owner: src/ppo/gae.ts), a reverse scan over time per environment, one
 * invocation per environment. With t the transition taken at step t and V_T the value after the last step:
 *
 *   delta_t = r_t + γ (1 - term_t)(1 - trunc_t) V_{t+1} + γ (1 - term_t) trunc_t Vfinal_t - V_t
 *   A_t     = delta_t + γλ (1 - term_t)(1 - trunc_t) A_{t+1}          (A_T = 0)
 *   R_t     = A_t + V_t                                               (the critic's target)
 *
 * All arrays are regions of one buffer (the rollout storage, or computeGae's packed copy), time-major
 * [t][n] at the float offsets given in the parameters, so the trainer and the typed-array API share this
 * pipeline. Dones are stored as floats: bit 0 terminated, bit 1 truncated.
 */
import { bindingTable, storage, uniform } from '../gpu/bindings.js';
import { uniformStruct } from '../gpu/uniforms.js';

export const GAE_WORKGROUP = 64;

/** The scan's parameters: the rollout's shape, the float offset of each region in `data`, and γ, λ. */
export const GaeParams = uniformStruct('GaeParams', {
  num_envs: 'u32',
  num_steps: 'u32',
  rewards: 'u32',
  /** T + 1 rows: the last holds V of the observation after the last step. */
  values: 'u32',
  dones: 'u32',
  final_values: 'u32',
  advantages: 'u32',
  returns: 'u32',
  gamma: 'f32',
  lambda: 'f32',
});

export const gaeBindings = bindingTable({
  params: uniform(GaeParams),
  data: storage('array<f32>'),
});

export function gaeWgsl(): string {
  return /* wgsl */ `
${gaeBindings.wgsl}

@compute @workgroup_size(${GAE_WORKGROUP})
fn gae(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = gid.x + gid.y * nwg.x * ${GAE_WORKGROUP}u;
  if (n >= params.num_envs) { return; }
  var next_value = data[params.values + params.num_steps * params.num_envs + n];
  var next_advantage = 0.0;
  for (var step = 0u; step < params.num_steps; step++) {
    let t = params.num_steps - 1u - step;
    let s = t * params.num_envs + n;
    let done = u32(data[params.dones + s]);
    let terminated = f32(done & 1u);
    let truncated = f32((done >> 1u) & 1u);
    let continues = (1.0 - terminated) * (1.0 - truncated);
    let value = data[params.values + s];
    let delta = data[params.rewards + s] + params.gamma * continues * next_value
      + params.gamma * (1.0 - terminated) * truncated * data[params.final_values + s] - value;
    let advantage = delta + params.gamma * params.lambda * continues * next_advantage;
    data[params.advantages + s] = advantage;
    data[params.returns + s] = advantage + value;
    next_value = value;
    next_advantage = advantage;
  }
}
`;
}
