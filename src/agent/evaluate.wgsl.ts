/**
 * Evaluation episodes (owner: src/agent/evaluate.ts): ONE dispatch runs one full episode per invocation in a
 * dedicated batch of environments — reset, then policy and environment steps until the episode terminates or is
 * truncated — and records its return and length. Deterministic (argmax / mean) or sampled actions.
 */
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
  /** [2][episodes]: returns, then lengths. */
  results: storage('array<f32>'),
  /** Normalisation statistics. */
  norm: readOnlyStorage('array<f32>'),
});

export interface EvaluateKernelSpec extends Omit<ActorCriticSpec, 'critic'> {
  /** The environment's composed WGSL (src/envs/compose.ts). */
  envCode: string;
}

export function evaluateWgsl(spec: EvaluateKernelSpec): string {
  const discrete = spec.action.type === 'discrete';
  return /* wgsl */ `
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
  loop {
    var x = network_input(&obs);
    var head: array<f32, ACTOR_OUTPUTS>;
    actor_run(&x, &head);
    var rng = rng_create(run.seed, ${RngStream.action}u, n, steps_taken);
    var choice = policy_choose(&head, run.deterministic != 0u, &rng);
    let action: EnvAction = ${discrete ? 'u32(choice[0])' : 'choice'};
    let result = engine_step_env(n, run.episodes, run.seed, run.max_episode_steps, action);
    total += result.reward;
    steps_taken += 1u;
    if (result.terminated || result.truncated) { break; }
    obs = result.obs;
  }
  results[n] = total;
  results[run.episodes + n] = f32(steps_taken);
}
`;
}
