/**
 * Batched inference (owner: src/policy.ts): one invocation per observation, the actor forward and the action
 * choice (policyHead.ts), for games and `policy.act`. Observations come row-major [batch][obs] as the user gives
 * them; actions go out row-major [batch][actionWidth] as f32 (discrete: the index). Sampling draws from
 * (seed, stream action, row, call counter), so repeated calls differ and a seed reproduces them.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { activationLibraryWgsl } from './activations.js';
import { categoricalWgsl, gaussianWgsl } from './distributions.js';
import { mlpInlineWgsl, mlpRunWgsl, type InlineLayer } from './mlpInline.js';
import { policyChooseWgsl } from './policyHead.js';
import { RngStream } from './rng.js';
import type { ActionSpace } from '../src/envs/spec.js';
import { normObsWgsl } from './normalize.js';

export const POLICY_WORKGROUP = 64;
/** Uniform words: batch, deterministic, seed, counter. */
export const POLICY_PARAMS_WORDS = 4;

export interface PolicyKernelSpec {
  /** Environment prelude (envPrelude of src/envs/compose.ts): EnvAction and the action bounds. */
  prelude: string;
  obsSize: number;
  action: ActionSpace;
  actor: InlineLayer[];
  logstdOffset: number;
  /** Normalise observations with the running statistics (shaders/normalize.ts) before the actor. */
  normObs: boolean;
  clipObs: number;
}

/** Bindings: 0 params (uniform), 1 agent parameters (read), 2 observations (read), 3 actions (rw), 4 normalisation statistics (read). */
export function policyWgsl(spec: PolicyKernelSpec): string {
  const discrete = spec.action.type === 'discrete';
  const A = discrete ? (spec.action as { n: number }).n : (spec.action as { size: number }).size;
  const width = discrete ? 1 : A;
  const O = spec.obsSize;
  return wgsl/* wgsl */ `
${spec.prelude}
${activationLibraryWgsl}
${mlpInlineWgsl('actor', spec.actor)}
${mlpRunWgsl('actor', spec.actor)}
#if ${discrete}
${categoricalWgsl(A)}
#else
${gaussianWgsl(A)}
#endif
${policyChooseWgsl(spec.action, spec.logstdOffset)}
struct Params { batch: u32, deterministic: u32, seed: u32, counter: u32 }
@group(0) @binding(0) var<uniform> run: Params;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> observations: array<f32>;
@group(0) @binding(3) var<storage, read_write> actions: array<f32>;
@group(0) @binding(4) var<storage, read> norm: array<f32>;
${normObsWgsl(O, spec.clipObs)}

@compute @workgroup_size(${POLICY_WORKGROUP})
fn act(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let b = gid.x + gid.y * nwg.x * ${POLICY_WORKGROUP}u;
  if (b >= run.batch) { return; }
  var raw: array<f32, ${O}>;
  for (var f = 0u; f < ${O}u; f++) { raw[f] = observations[b * ${O}u + f]; }
#if ${spec.normObs}
  var obs: array<f32, ${O}>;
  norm_obs(&raw, &obs);
#else
  var obs = raw;
#endif
  var head: array<f32, ${A}>;
  actor_run(&obs, &head);
  var rng = rng_create(run.seed, ${RngStream.action}u, b, run.counter);
  let action = policy_choose(&head, run.deterministic != 0u, &rng);
#if ${discrete}
  actions[b] = f32(action);
#else
  for (var d = 0u; d < ${width}u; d++) { actions[b * ${width}u + d] = action[d]; }
#endif
}
`;
}
