/**
 * Batched inference (owner: src/policy.ts): one invocation per observation, the actor forward and the action
 * choice (src/agent/agent.wgsl.ts), for games and `policy.act`. Observations come row-major [batch][obs] as the
 * user gives them (normalised here when the policy was trained with norm_obs); actions go out row-major
 * [batch][actionWidth] as f32 (one index per categorical head), clipped to the box; a categorical policy applies the
 * caller's action masks when given ([batch][logits], masked logits never chosen). Sampling draws from (seed, stream
 * action, row, call counter), so repeated calls differ and a seed reproduces them.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { actorCriticWgsl, type ActorCriticSpec } from './agent/agent.wgsl.js';
import { categoricalHeads } from './envs/spec.js';
import { rngWgsl, RngStream } from '../shaders/rng.js';
import { bindingTable, readOnlyStorage, storage, uniform } from './gpu/bindings.js';
import { uniformStruct } from './gpu/uniforms.js';

export const POLICY_WORKGROUP = 64;

/** One call: its batch, deterministic (1: argmax / mean), the seed, the call counter (sampling), masks given (1). */
export const PolicyRun = uniformStruct('PolicyRun', { batch: 'u32', deterministic: 'u32', seed: 'u32', counter: 'u32', masked: 'u32' });

export type PolicyKernelSpec = Omit<ActorCriticSpec, 'critic'>;

export const policyBindings = bindingTable({
  run: uniform(PolicyRun),
  /** The agent's parameters. */
  params: readOnlyStorage('array<f32>'),
  /** [batch][obs], row-major. */
  observations: readOnlyStorage('array<f32>'),
  /** [batch][actionWidth], row-major. */
  actions: storage('array<f32>'),
  /** Normalisation statistics. */
  norm: readOnlyStorage('array<f32>'),
  /** [batch][logits] action masks, row-major (read when run.masked; categorical policies). */
  masks: readOnlyStorage('array<f32>'),
});

export function policyWgsl(spec: PolicyKernelSpec): string {
  const O = spec.obsSize;
  const categorical = categoricalHeads(spec.action) !== undefined;
  return wgsl/* wgsl */ `
${rngWgsl}
${policyBindings.wgsl}${actorCriticWgsl(spec)}

@compute @workgroup_size(${POLICY_WORKGROUP})
fn act(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let b = gid.x + gid.y * nwg.x * ${POLICY_WORKGROUP}u;
  if (b >= run.batch) { return; }
  var raw: array<f32, ${O}>;
  for (var f = 0u; f < ${O}u; f++) { raw[f] = observations[b * ${O}u + f]; }
  var obs = network_input(&raw);
  var head: array<f32, ACTOR_OUTPUTS>;
  actor_run(&obs, &head);
#if ${categorical}
  if (run.masked != 0u) {
    var mask: array<f32, ACTOR_OUTPUTS>;
    for (var j = 0u; j < ACTOR_OUTPUTS; j++) { mask[j] = masks[b * ACTOR_OUTPUTS + j]; }
    categorical_apply_mask(&head, &mask);
  }
#endif
  var rng = rng_create(run.seed, ${RngStream.action}u, b, run.counter);
  var action = policy_choose(&head, run.deterministic != 0u, &rng);
  for (var d = 0u; d < ACTION_WIDTH; d++) { actions[b * ACTION_WIDTH + d] = action[d]; }
}
`;
}
