/**
 * Evaluation episodes (owner: src/agent/evaluate.ts): ONE dispatch runs one full episode per invocation in a
 * dedicated batch of environments — reset, then policy and environment steps until the episode terminates or is
 * truncated — and records its return and length. Deterministic (argmax / mean) or sampled actions.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { actorCriticWgsl, type ActorCriticSpec } from './agent.wgsl.js';
import { RngStream } from '../../shaders/rng.js';
import { envStorageBindings, envStorageWgsl } from '../envs/gpuEnv.wgsl.js';
import { bindingTable, readOnlyStorage, storage, uniform } from '../gpu/bindings.js';
import { uniformStruct } from '../gpu/uniforms.js';

export const EVALUATE_WORKGROUP = 64;

/** The evaluation's run: episodes (one per environment), deterministic (1: argmax / mean), seed, time limit. */
export const EvaluateRun = uniformStruct('EvaluateRun', { episodes: 'u32', deterministic: 'u32', seed: 'u32', max_episode_steps: 'u32' });

export const evaluateBindings = bindingTable({
  run: uniform(EvaluateRun),
  /** The agent's parameters. */
  params: readOnlyStorage('array<f32>'),
  ...envStorageBindings,
  /** [3][episodes]: returns, then lengths, then the step (+1) whose action mask allowed nothing (0: none). */
  results: storage('array<f32>'),
  /** Normalisation statistics. */
  norm: readOnlyStorage('array<f32>'),
});

export interface EvaluateKernelSpec extends Omit<ActorCriticSpec, 'critic'> {
  /** The environment's composed WGSL (src/envs/compose.ts). */
  envCode: string;
  /** The environment gives action masks (env_action_mask): applied to the logits at every step. */
  masked: boolean;
}

export function evaluateWgsl(spec: EvaluateKernelSpec): string {
  return wgsl/* wgsl */ `
${spec.envCode}
${envStorageWgsl}
${evaluateBindings.wgsl}${actorCriticWgsl(spec)}

@compute @workgroup_size(${EVALUATE_WORKGROUP})
fn evaluate(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let n = gid.x + gid.y * nwg.x * ${EVALUATE_WORKGROUP}u;
  if (n >= run.episodes) { return; }
  var state = engine_reset_env(n, run.episodes, run.seed);
  var obs = env_observe(&state);
  var total = 0.0;
  var steps_taken = 0u;
  var empty_mask_at = 0u;
  loop {
    var x = network_input(&obs);
    var head: array<f32, ACTOR_OUTPUTS>;
    actor_run(&x, &head);
#if ${spec.masked}
    var mask_state = engine_load_state(n, run.episodes);
    var mask = env_action_mask(&mask_state);
    if (!categorical_mask_valid(&mask)) {
      empty_mask_at = steps_taken + 1u;
      break;
    }
    categorical_apply_mask(&head, &mask);
#endif
    var rng = rng_create(run.seed, ${RngStream.action}u, n, steps_taken);
    var choice = policy_choose(&head, run.deterministic != 0u, &rng);
    let action = engine_env_action(&choice);
    let result = engine_step_env(n, run.episodes, run.seed, run.max_episode_steps, action);
    total += result.reward;
    steps_taken += 1u;
    if (result.terminated || result.truncated) { break; }
    obs = result.obs;
  }
  results[n] = total;
  results[run.episodes + n] = f32(steps_taken);
  results[2u * run.episodes + n] = f32(empty_mask_at);
}
`;
}
