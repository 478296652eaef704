/**
 * Choosing an action from the actor's output (a library for the policy and evaluation kernels):
 *
 *   fn policy_choose(head: ptr<function, array<f32, A>>, deterministic: bool, rng: ptr<function, Rng>) -> EnvAction
 *
 * discrete: argmax of the logits, or a sample of the categorical (inverse CDF);
 * box: the mean, or mean + e^{logstd} ε; clipped to the action box either way (what the environment receives).
 * Needs the composed environment prelude (EnvAction, ENV_ACTION_LOW/HIGH), rngWgsl and the distribution library.
 */
import type { ActionSpace } from '../src/envs/spec.js';

export function policyChooseWgsl(action: ActionSpace, logstdOffset: number, params = 'params'): string {
  if (action.type === 'discrete') {
    const n = action.n;
    return /* wgsl */ `
fn policy_choose(head: ptr<function, array<f32, ${n}>>, deterministic: bool, rng: ptr<function, Rng>) -> EnvAction {
  if (deterministic) { return categorical_argmax(head); }
  var logp: array<f32, ${n}>;
  categorical_log_softmax(head, &logp);
  return categorical_sample(&logp, rng_unit(rng_next4(rng).x));
}
`;
  }
  const size = action.size;
  return /* wgsl */ `
fn policy_choose(head: ptr<function, array<f32, ${size}>>, deterministic: bool, rng: ptr<function, Rng>) -> EnvAction {
  var out: EnvAction;
  for (var d = 0u; d < ${size}u; d++) {
    var a = (*head)[d];
    if (!deterministic) { a += exp(${params}[${logstdOffset}u + d]) * rng_normal(rng); }
    out[d] = clamp(a, ENV_ACTION_LOW[d], ENV_ACTION_HIGH[d]);
  }
  return out;
}
`;
}
