/**
 * Generalized advantage estimation (owner: src/ppo/gae.ts), a reverse scan over time per environment, one
 * invocation per environment. With t the transition taken at step t, V_T the value after the last step,
 * c_t = (1 - term_t)(1 - trunc_t) ("the episode goes on after step t") and a critic weight w:
 *
 *   delta_t = r_t + γ c_t w V_{t+1} + γ (1 - term_t) trunc_t w Vfinal_t - w V_t
 *   A_t     = delta_t + γλ c_t A_{t+1}                (A_T = 0)
 *   R_t     = A_t + w V_t                             (the critic's target)
 *
 * PPO and A2C: w = 1, advantages = A_t. REINFORCE's ψ (src/reinforce/psi.ts) are other read-outs of the same scan:
 * w = 0 (V counts as 0 and nothing is bootstrapped), ψ_t = R_t instead of A_t, or R at the first step of t's
 * episode segment (its part inside this rollout; a forward sweep after the scan).
 *
 * All arrays are regions of one buffer (the rollout storage, or computeGae's packed copy), time-major
 * [t][n] at the float offsets given in the parameters, so the trainer and the typed-array API share this
 * pipeline. Dones are stored as floats: bit 0 terminated, bit 1 truncated.
 */
import { bindingTable, storage, uniform } from '../gpu/bindings.js';
import { uniformStruct } from '../gpu/uniforms.js';

export const GAE_WORKGROUP = 64;

/** The scan's parameters: the rollout's shape, each region's float offset in `data`, γ, λ and the read-out. */
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
  /** w: 1 (PPO, A2C, the ψ with a critic), 0 (V counts as 0). */
  critic: 'f32',
  /** 1: advantages_t = R_t; 0: advantages_t = A_t. */
  advantages_are_returns: 'u32',
  /** 1: advantages_t = R at the first step of t's episode segment. */
  whole_segment: 'u32',
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
  let w = params.critic;
  var next_value = w * data[params.values + params.num_steps * params.num_envs + n];
  var next_advantage = 0.0;
  for (var step = 0u; step < params.num_steps; step++) {
    let t = params.num_steps - 1u - step;
    let s = t * params.num_envs + n;
    let done = u32(data[params.dones + s]);
    let terminated = f32(done & 1u);
    let truncated = f32((done >> 1u) & 1u);
    let continues = (1.0 - terminated) * (1.0 - truncated);
    let value = w * data[params.values + s];
    let delta = data[params.rewards + s] + params.gamma * continues * next_value
      + params.gamma * (1.0 - terminated) * truncated * w * data[params.final_values + s] - value;
    let advantage = delta + params.gamma * params.lambda * continues * next_advantage;
    let critic_target = advantage + value;
    data[params.returns + s] = critic_target;
    data[params.advantages + s] = select(advantage, critic_target, params.advantages_are_returns == 1u);
    next_value = value;
    next_advantage = advantage;
  }
  if (params.whole_segment == 1u) {
    // Forward: every step of a segment gets R at the segment's first step.
    var segment_return = 0.0;
    var starts = true;
    for (var t = 0u; t < params.num_steps; t++) {
      let s = t * params.num_envs + n;
      if (starts) { segment_return = data[params.returns + s]; }
      data[params.advantages + s] = segment_return;
      starts = u32(data[params.dones + s]) != 0u;
    }
  }
}
`;
}
