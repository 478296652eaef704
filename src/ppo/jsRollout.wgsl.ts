/**
 * One policy step for environments stepped on the CPU (owner: src/ppo/jsRollout.ts). The rollout of a
 * JavaScript environment alternates: this kernel (policy on the GPU) -> one readback of the actions -> the
 * game's own step in JavaScript -> one upload of the next observations. Per environment n at step t:
 *
 *   t > 0, where step t-1 was truncated and not terminated:  finalValues[t-1] = V(finalObs_{t-1})
 *   t < T:  store obs_t; actor -> (masked logits, with the mask the game gave) -> sample a_t (same generator as
 *           the fused rollout: seed, action, n, step); store a_t, log pi(a_t|obs_t), V(obs_t), pi's head (and the
 *           mask); a_t to the action buffer
 *   t = T:  values[T] = V(obs_T), the bootstrap value of GAE
 *
 * The rewards, dones and episode records of the rollout are written by the CPU once per iteration.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { actorCriticWgsl, type CollectorSpec } from '../agent/agent.wgsl.js';
import { policyOutputs } from '../agent/agent.js';
import { rngWgsl, RngStream } from '../../shaders/rng.js';
import { rolloutStoreBinding } from './storage.wgsl.js';
import { normLanesBindings, normLanesWgsl } from '../agent/normalizer.wgsl.js';
import { bindingTable, readOnlyStorage, storage, uniform } from '../gpu/bindings.js';
import { uniformStruct } from '../gpu/uniforms.js';

export const POLICY_STEP_WORKGROUP = 64;

/** The step: t, the global step of t = 0 (step_base) and the seed, for the action generator. */
export const PolicyStepRun = uniformStruct('PolicyStepRun', { t: 'u32', step_base: 'u32', seed: 'u32' });

export type PolicyStepKernelSpec = CollectorSpec;

/** The reward of step t-1 is written here (normalised when norm_reward), the other CPU-side records by the host. */
export const policyStepBindings = bindingTable({
  run: uniform(PolicyStepRun),
  /** The agent's parameters. */
  params: readOnlyStorage('array<f32>'),
  /**
   * obs_t [N][O], then finalObs_{t-1} [N][O], then bootstrap flags [N] (1 where step t-1 truncated without
   * terminating), then reward_{t-1} [N], then terminated_{t-1} [N], then (masked) the action masks of obs_t [N][A].
   */
  upload: readOnlyStorage('array<f32>'),
  rollout: storage('array<f32>'),
  /** [N][actionWidth], f32. */
  actions_out: storage('array<f32>'),
  store: rolloutStoreBinding,
  /** Running normalisation statistics (read) and lanes (rw). */
  ...normLanesBindings,
});

export function policyStepWgsl(spec: PolicyStepKernelSpec): string {
  const box = spec.action.type === 'box';
  const A = policyOutputs(spec.action);
  const O = spec.obsSize;
  const normalizes = spec.normObs || spec.normReward;
  return wgsl/* wgsl */ `
${rngWgsl}
${policyStepBindings.wgsl}
${normLanesWgsl(O, spec.clipReward, spec.gamma)}
${actorCriticWgsl(spec)}

@compute @workgroup_size(${POLICY_STEP_WORKGROUP})
fn policy_step(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = gid.x + gid.y * nwg.x * ${POLICY_STEP_WORKGROUP}u;
  if (n >= store.num_envs) { return; }
  let t = run.t;
  let N = store.num_envs;
  if (t > 0u) {
    let reward = upload[2u * N * ${O}u + N + n];
#if ${spec.normReward}
    rollout[store.rewards + (t - 1u) * N + n] = lane_reward(n, N, reward, upload[2u * N * ${O}u + 2u * N + n] > 0.0);
#else
    rollout[store.rewards + (t - 1u) * N + n] = reward;
#endif
    if (upload[2u * N * ${O}u + n] > 0.0) {
      var final_raw: array<f32, ${O}>;
      for (var f = 0u; f < ${O}u; f++) { final_raw[f] = upload[N * ${O}u + n * ${O}u + f]; }
      var final_obs = network_input(&final_raw);
      rollout[store.final_values + (t - 1u) * N + n] = value_of(&final_obs);
    }
  }
#if ${normalizes}
  if (t == 0u) { lane_clear(n, N); }
#endif
  var raw: array<f32, ${O}>;
  for (var f = 0u; f < ${O}u; f++) { raw[f] = upload[n * ${O}u + f]; }
  var obs = network_input(&raw);
  if (t == store.num_steps) {
    rollout[store.values + store.num_steps * N + n] = value_of(&obs);
    return;
  }
#if ${normalizes}
  lane_observe(n, N, &raw);
#endif
  let s = t * N + n;
  for (var f = 0u; f < ${O}u; f++) { rollout[store.obs + f * store.m + s] = obs[f]; }
  var head: array<f32, ${A}>;
  actor_run(&obs, &head);
#if ${spec.masked}
  var mask: array<f32, ${A}>;
  for (var j = 0u; j < ${A}u; j++) {
    mask[j] = upload[2u * N * ${O}u + 3u * N + n * ${A}u + j];
    rollout[store.masks + j * store.m + s] = mask[j];
  }
  categorical_apply_mask(&head, &mask);
#endif
  rollout[store.values + s] = value_of(&obs);
#if ${spec.keepOldDist}
  for (var d = 0u; d < ${A}u; d++) { rollout[store.old_dist + d * store.m + s] = head[d]; }
#endif
  var rng = rng_create(run.seed, ${RngStream.action}u, n, run.step_base + t);
  var sample: array<f32, ACTION_WIDTH>;
  rollout[store.logprobs + s] = policy_sample(&head, &rng, &sample);
  var action = policy_clip(&sample);
  for (var d = 0u; d < ACTION_WIDTH; d++) {
    rollout[store.actions + d * store.m + s] = sample[d];
    actions_out[n * ACTION_WIDTH + d] = action[d];
  }
#if ${box && spec.keepOldDist}
  if (n == 0u) {
    var logstd = policy_logstd();
    for (var d = 0u; d < ${A}u; d++) { rollout[store.old_dist + ${A}u * store.m + d] = logstd[d]; }
  }
#endif
}
`;
}
