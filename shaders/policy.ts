/**
 * Batched inference (owner: src/policy.ts): one invocation per observation, the actor forward and the action
 * choice (shaders/actorCritic.ts), for games and `policy.act`. Observations come row-major [batch][obs] as the
 * user gives them (normalised here when the policy was trained with norm_obs); actions go out row-major
 * [batch][actionWidth] as f32 (discrete: the index), clipped to the box. Sampling draws from (seed, stream
 * action, row, call counter), so repeated calls differ and a seed reproduces them.
 */
import { actorCriticWgsl, type ActorCriticSpec } from './actorCritic.js';
import { rngWgsl, RngStream } from './rng.js';

export const POLICY_WORKGROUP = 64;
/** Uniform words: batch, deterministic, seed, counter. */
export const POLICY_PARAMS_WORDS = 4;

export type PolicyKernelSpec = Omit<ActorCriticSpec, 'critic'>;

/**
 * Bindings: 0 params (uniform), 1 agent parameters (read), 2 observations (read), 3 actions (rw),
 * 4 normalisation statistics (read).
 */
export function policyWgsl(spec: PolicyKernelSpec): string {
  const O = spec.obsSize;
  return /* wgsl */ `
${rngWgsl}
struct Params { batch: u32, deterministic: u32, seed: u32, counter: u32 }
@group(0) @binding(0) var<uniform> run: Params;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> observations: array<f32>;
@group(0) @binding(3) var<storage, read_write> actions: array<f32>;
@group(0) @binding(4) var<storage, read> norm: array<f32>;
${actorCriticWgsl(spec)}

@compute @workgroup_size(${POLICY_WORKGROUP})
fn act(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let b = gid.x + gid.y * nwg.x * ${POLICY_WORKGROUP}u;
  if (b >= run.batch) { return; }
  var raw: array<f32, ${O}>;
  for (var f = 0u; f < ${O}u; f++) { raw[f] = observations[b * ${O}u + f]; }
  var obs = network_input(&raw);
  var head: array<f32, ACTOR_OUTPUTS>;
  actor_run(&obs, &head);
  var rng = rng_create(run.seed, ${RngStream.action}u, b, run.counter);
  var action = policy_choose(&head, run.deterministic != 0u, &rng);
  for (var d = 0u; d < ACTION_WIDTH; d++) { actions[b * ACTION_WIDTH + d] = action[d]; }
}
`;
}
