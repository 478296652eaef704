/**
 * REINFORCE's ψ_t (owner: src/reinforce/psi.ts), a reverse scan over time per environment, one invocation per
 * environment, like GAE's (src/ppo/gae.wgsl.ts) and over the same rollout regions. With c_t = (1 - term_t)(1 - trunc_t)
 * "the episode goes on after step t" and a critic weight w (1: V is used, 0: V ≡ 0, nothing is bootstrapped):
 *
 *   delta_t = r_t + γ c_t w V_{t+1} + γ (1 - term_t) trunc_t w Vfinal_t - w V_t
 *   A_t     = delta_t + γλ c_t A_{t+1}                (A_T = 0)
 *   G_t     = A_t + w V_t                             (the critic's target)
 *
 * Every ψ is one choice of (w, λ) and of the quantity read out:
 *   total_return  w 0, λ 1, ψ_t = G at the first step of t's episode segment (R(τ) = Σ_k γ^k r_k of the segment)
 *   reward_to_go  w 0, λ 1, ψ_t = G_t = Σ_{k≥0} γ^k r_{t+k} up to the segment's end
 *   baseline      w 1, λ 1, ψ_t = A_t = G_t - V(s_t), G_t the reward-to-go bootstrapped from V where cut
 *   q_value       w 1, λ 0, ψ_t = G_t = r_t + γ V(s_{t+1})
 *   advantage     w 1, λ,   ψ_t = A_t (GAE(λ))
 *   td_error      w 1, λ 0, ψ_t = A_t = r_t + γ V(s_{t+1}) - V(s_t)
 * A segment is an episode's part inside this rollout. Without a critic (w 0) an episode cut by the rollout's end or by
 * its time limit is cut there: its rewards after the cut are unknown and count as 0. The critic always regresses on
 * G_t; it is used only by the ψ with w 1.
 *
 * ψ goes to the advantages region, G_t to the returns region (time-major [t][n]); dones are floats, bit 0
 * terminated, bit 1 truncated; values has T + 1 rows.
 */
import { bindingTable, storage, uniform } from '../gpu/bindings.js';
import { uniformStruct } from '../gpu/uniforms.js';

export const PSI_WORKGROUP = 64;

/** The scan's parameters: the rollout's shape, each region's float offset in `data`, γ, λ and the ψ's choices. */
export const PsiParams = uniformStruct('PsiParams', {
  num_envs: 'u32',
  num_steps: 'u32',
  rewards: 'u32',
  values: 'u32',
  dones: 'u32',
  final_values: 'u32',
  advantages: 'u32',
  returns: 'u32',
  gamma: 'f32',
  lambda: 'f32',
  /** w: 1 when ψ uses the critic, 0 when V counts as 0. */
  critic: 'f32',
  /** 1: ψ_t = G_t; 0: ψ_t = A_t. */
  psi_is_return: 'u32',
  /** 1: ψ_t = G at the first step of t's segment (total return). */
  whole_segment: 'u32',
});

export const psiBindings = bindingTable({
  params: uniform(PsiParams),
  data: storage('array<f32>'),
});

export function psiWgsl(): string {
  return /* wgsl */ `
${psiBindings.wgsl}

@compute @workgroup_size(${PSI_WORKGROUP})
fn psi(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = gid.x + gid.y * nwg.x * ${PSI_WORKGROUP}u;
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
    data[params.advantages + s] = select(advantage, critic_target, params.psi_is_return == 1u);
    next_value = value;
    next_advantage = advantage;
  }
  if (params.whole_segment == 1u) {
    // Forward: every step of a segment gets G at the segment's first step.
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
