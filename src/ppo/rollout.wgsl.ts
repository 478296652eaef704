/**
 * The fused rollout (owner: src/ppo/rollout.ts): ONE dispatch collects a whole rollout of num_steps steps in
 * num_envs environments, one invocation per environment, with no readback. Each step of environment n:
 *
 *   obs_t -> actor -> logits / mean (masked logits: env_action_mask, stored with the sample)
 *         -> sample a_t (counter-based: seed, stream action, env n, global step)
 *         -> log pi(a_t|obs_t);  critic -> V(obs_t)
 *   env_step(state, a_t) -> r_t, terminated; truncated = episode steps >= maxEpisodeSteps
 *   where truncated and not terminated: V(finalObs) for bootstrapping
 *   where the episode ended: record its return and length, auto-reset (same step)
 *
 * and after the last step V(obs_T), the bootstrap value of GAE. The environment's state, step and episode
 * counters and the running episode return/length live in GPU buffers across iterations. The policy samples
 * (training); evaluation and games use the policy kernel instead.
 *
 * Two-player games (spec.selfPlay): the learner plays one side against an opponent from the snapshot pool in the
 * same invocation (src/selfplay/selfplay.wgsl.ts: rollout_observe and rollout_step give the learner's view);
 * only the learner's samples are stored.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { actorCriticWgsl, type CollectorSpec } from '../agent/agent.wgsl.js';
import { policyOutputs } from '../agent/agent.js';
import { RngStream } from '../../shaders/rng.js';
import { envStorageBindings, envStorageWgsl } from '../envs/gpuEnv.wgsl.js';
import { rolloutStoreBinding } from './storage.wgsl.js';
import { normLanesBindings, normLanesWgsl } from '../agent/normalizer.wgsl.js';
import { bindingTable, readOnlyStorage, storage, uniform } from '../gpu/bindings.js';
import { uniformStruct } from '../gpu/uniforms.js';
import { selfPlayRolloutWgsl, SelfPlayRun, type SelfPlayKernelSpec } from '../selfplay/selfplay.wgsl.js';
import { twoPlayerEnvStorageWgsl } from '../envs/gpuEnv.wgsl.js';

/** Invocations (environments) per workgroup by default; the tuner (src/tune/) may pick another of ROLLOUT_WORKGROUPS. */
export const ROLLOUT_WORKGROUP = 64;
/** The workgroup sizes the rollout is built with: one invocation per environment whatever the size. */
export const ROLLOUT_WORKGROUPS = [32, 64, 128] as const;

export interface RolloutKernelSpec extends CollectorSpec {
  /** Invocations per workgroup; default ROLLOUT_WORKGROUP. */
  workgroup?: number;
  /** The environment's composed WGSL (src/envs/compose.ts). */
  envCode: string;
  stateSize: number;
  maxEpisodeSteps: number;
  /** Two-player games: the pool the opponents come from. */
  selfPlay?: SelfPlayKernelSpec;
}

/** The rollout's run: the seed and step_base, the global step of t = 0 (for the action generator). */
export const RolloutRun = uniformStruct('RolloutRun', { seed: 'u32', step_base: 'u32' });

/**
 * The environment's storage is src/envs/gpuEnv.wgsl.ts's, whose step/reset helpers this kernel uses. The stored
 * observations and rewards are the normalised ones (what the update learns from); episode returns are raw.
 */
const rolloutEntries = {
  run: uniform(RolloutRun),
  /** The agent's parameters. */
  params: readOnlyStorage('array<f32>'),
  ...envStorageBindings,
  rollout: storage('array<f32>'),
  /** Running episode return and length, f32 [2][N]. */
  tracker: storage('array<f32>'),
  store: rolloutStoreBinding,
  /** Running normalisation statistics (read) and lanes (rw). */
  ...normLanesBindings,
};
export const rolloutBindings = bindingTable(rolloutEntries);

/**
 * The self-play rollout's bindings: `params` is the league buffer (the learner, then the pool) and `tracker` has
 * the self-play rows (src/selfplay/selfplay.wgsl.ts); `selfplay` is the pool's state in this iteration.
 */
export const selfPlayRolloutBindings = bindingTable({ ...rolloutEntries, selfplay: uniform(SelfPlayRun) });

export function rolloutWgsl(spec: RolloutKernelSpec): string {
  const box = spec.action.type === 'box';
  const A = policyOutputs(spec.action);
  const O = spec.obsSize;
  const normalizes = spec.normObs || spec.normReward;
  const W = spec.workgroup ?? ROLLOUT_WORKGROUP;
  const selfPlay = spec.selfPlay !== undefined;
  return wgsl/* wgsl */ `
${spec.envCode}
${selfPlay ? selfPlayRolloutBindings.wgsl : rolloutBindings.wgsl}
${normLanesWgsl(O, spec.clipReward, spec.gamma)}
${actorCriticWgsl(spec)}

#if ${selfPlay}
${twoPlayerEnvStorageWgsl}
${spec.selfPlay ? selfPlayRolloutWgsl(spec.selfPlay, spec.maxEpisodeSteps) : ''}
#else
${envStorageWgsl}
fn rollout_observe(n: u32) -> EnvObs {
  return engine_observe_env(n, store.num_envs);
}
fn rollout_step(n: u32, action: EnvAction, step: u32) -> EngineStep {
  return engine_step_env(n, store.num_envs, run.seed, ${spec.maxEpisodeSteps}u, action);
}
#endif
@compute @workgroup_size(${W})
fn rollout_main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = gid.x + gid.y * nwg.x * ${W}u;
  if (n >= store.num_envs) { return; }
  var episode_return = tracker[n];
  var episode_length = tracker[store.num_envs + n];
#if ${box && spec.keepOldDist}
  // pi_old's log-std (state-independent), after the per-sample means.
  if (n == 0u) {
    var logstd = policy_logstd();
    for (var d = 0u; d < ${A}u; d++) { rollout[store.old_dist + ${A}u * store.m + d] = logstd[d]; }
  }
#endif
#if ${selfPlay}
  selfplay_begin(n, run.step_base);
#endif
  var obs = rollout_observe(n);
#if ${normalizes}
  lane_clear(n, store.num_envs);
#endif
  // The critic runs at one call site (every function is inlined on CPU adapters, so each call site costs a
  // whole network of compiled code): for V(obs_t) and, after a truncation, V(finalObs_{t-1}); t = num_steps only
  // computes the bootstrap value V(obs_T).
  var final_obs: EnvObs;
  var bootstrap_final = false;
  for (var t = 0u; t <= store.num_steps; t++) {
    let s = t * store.num_envs + n;
    let inputs = select(1u, 2u, bootstrap_final);
    for (var i = 0u; i < inputs; i++) {
      var raw = obs;
      if (i == 1u) { raw = final_obs; }
      var x = network_input(&raw);
      let v = value_of(&x);
      if (i == 0u) {
        rollout[store.values + s] = v;
      } else {
        rollout[store.final_values + s - store.num_envs] = v;
      }
    }
    bootstrap_final = false;
    if (t == store.num_steps) { break; }
#if ${normalizes}
    lane_observe(n, store.num_envs, &obs);
#endif
    var x = network_input(&obs);
    for (var f = 0u; f < ${O}u; f++) { rollout[store.obs + f * store.m + s] = x[f]; }
    var head: array<f32, ${A}>;
    actor_run(&x, &head);
#if ${spec.masked}
    var mask_state = engine_load_state(n, store.num_envs);
    var mask = env_action_mask(&mask_state);
    categorical_apply_mask(&head, &mask);
    for (var j = 0u; j < ${A}u; j++) { rollout[store.masks + j * store.m + s] = mask[j]; }
#endif
#if ${spec.keepOldDist}
    for (var d = 0u; d < ${A}u; d++) { rollout[store.old_dist + d * store.m + s] = head[d]; }
#endif
    var action_rng = rng_create(run.seed, ${RngStream.action}u, n, run.step_base + t);
    var sample: array<f32, ACTION_WIDTH>;
    rollout[store.logprobs + s] = policy_sample(&head, &action_rng, &sample);
    for (var d = 0u; d < ACTION_WIDTH; d++) { rollout[store.actions + d * store.m + s] = sample[d]; }
    var choice = policy_clip(&sample);
    let env_action = engine_env_action(&choice);

    var result = rollout_step(n, env_action, run.step_base + t);
    episode_return += result.reward;
    episode_length += 1.0;
#if ${spec.normReward}
    rollout[store.rewards + s] = lane_reward(n, store.num_envs, result.reward, result.terminated);
#else
    rollout[store.rewards + s] = result.reward;
#endif
    rollout[store.dones + s] = select(0.0, 1.0, result.terminated) + select(0.0, 2.0, result.truncated);
    rollout[store.final_values + s] = 0.0;
    if (result.truncated && !result.terminated) {
      final_obs = result.final_obs;
      bootstrap_final = true;
    }
    if (result.terminated || result.truncated) {
      rollout[store.episode_returns + s] = episode_return;
      rollout[store.episode_lengths + s] = episode_length;
      episode_return = 0.0;
      episode_length = 0.0;
    } else {
      rollout[store.episode_returns + s] = 0.0;
      rollout[store.episode_lengths + s] = 0.0;
    }
    obs = result.obs;
  }
  tracker[n] = episode_return;
  tracker[store.num_envs + n] = episode_length;
#if ${selfPlay}
  selfplay_end(n);
#endif
}
`;
}
