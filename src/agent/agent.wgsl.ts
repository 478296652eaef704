/**
 * The agent as WGSL functions, for the kernels that run it one sample per invocation (a library: the rollout,
 * the JavaScript-environment policy step, batched inference and evaluation include it; their owners create the
 * pipelines). With A = logits (discrete: n; multi-discrete: Σ nvec, the heads' slices in order) or means (box):
 *
 *   fn actor_run(x, head)                 the actor MLP (shaders/mlp.ts), after its convolutional encoder where it has
 *                                         one (shaders/conv.ts)
 *   fn value_of(x) -> f32                 the critic MLP                                    (when `critic` is given)
 *   fn network_input(raw) -> obs          the observation the networks see: normalised with the running statistics
 *                                         (src/agent/normalizer.wgsl.ts, needs a `norm` binding) when normObs, else raw
 *   fn policy_sample(head, rng, sample) -> log pi(sample)     a training sample: one action index per head as f32,
 *                                         or the raw Gaussian sample (never clipped: its log-probability is the one
 *                                         stored); masked logits (categorical_apply_mask) are never drawn
 *   fn policy_clip(sample) -> array<f32, ACTION_WIDTH>        what the environment receives: the sample clipped to
 *                                         the action box (CleanRL's ClipAction); the index for discrete actions
 *   fn policy_choose(head, deterministic, rng) -> array<f32, ACTION_WIDTH>   inference: argmax / mean, or a sample,
 *                                         as policy_clip gives it
 *
 * The distribution maths are in shaders/distributions.ts. Needs rngWgsl (shaders/rng.ts) in the module and a
 * `params: array<f32>` binding with the agent's flat parameters.
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { activationLibraryWgsl } from '../../shaders/activations.js';
import { categoricalWgsl, gaussianWgsl, headStarts } from '../../shaders/distributions.js';
import { mlpInlineWgsl, mlpRunWgsl, type InlineLayer } from '../../shaders/mlp.js';
import { convEncodeWgsl, type InlineConv } from '../../shaders/conv.js';
import { normObsWgsl } from './normalizer.wgsl.js';
import { categoricalHeads, type ActionSpace, type BoxSpace } from '../envs/spec.js';

export interface ActorCriticSpec {
  obsSize: number;
  action: ActionSpace;
  actor: InlineLayer[];
  /** Omit for kernels that only act. */
  critic?: InlineLayer[];
  /** The networks' convolutional encoders (grid observations), computing layer 0 of each from the observation. */
  actorConv?: InlineConv;
  criticConv?: InlineConv;
  logstdOffset: number;
  normObs: boolean;
  clipObs: number;
}

/**
 * What a kernel that collects experience for the update needs besides the agent (the fused GPU rollout and the
 * per-step kernel of JavaScript environments): the critic, whether the old policy's distribution parameters are
 * stored (the batch KL after the update), whether action masks are applied and stored, and the reward
 * normalisation (scaled by the running std of the discounted return).
 */
export interface CollectorSpec extends ActorCriticSpec {
  critic: InlineLayer[];
  keepOldDist: boolean;
  /** The environment gives action masks: apply each to the logits and store it with the sample. */
  masked: boolean;
  normReward: boolean;
  clipReward: number;
  gamma: number;
}

/** f32 per stored action: one index per categorical head, the box size otherwise. */
export function actionWidthOf(action: ActionSpace): number {
  return categoricalHeads(action)?.length ?? (action as BoxSpace).size;
}

/** The categorical policy's functions for the heads nvec (one uniform per head, four per draw of the generator). */
function categoricalPolicyWgsl(nvec: readonly number[]): string {
  const A = nvec.reduce((a, b) => a + b, 0);
  const K = nvec.length;
  const starts = headStarts(nvec);
  const draws = Array.from({ length: Math.ceil(K / 4) }, (_, d) => `  let u${d} = rng_next4(rng);`).join('\n');
  const uniform = (h: number) => `rng_unit(u${Math.floor(h / 4)}.${'xyzw'[h % 4]})`;
  const heads = nvec.map((_, h) => h);
  return /* wgsl */ `
${categoricalWgsl(nvec)}

fn policy_sample(head: ptr<function, array<f32, ${A}>>, rng: ptr<function, Rng>, sample: ptr<function, array<f32, ${K}>>) -> f32 {
  var logp: array<f32, ${A}>;
  categorical_log_softmax(head, &logp);
${draws}
  var logprob = 0.0;
${heads.map((h) => `  {
    let a = categorical_head_sample_${h}(&logp, ${uniform(h)});
    (*sample)[${h}] = f32(a);
    logprob += logp[${starts[h]}u + a];
  }`).join('\n')}
  return logprob;
}

fn policy_clip(sample: ptr<function, array<f32, ${K}>>) -> array<f32, ${K}> {
  return *sample;
}

fn policy_choose(head: ptr<function, array<f32, ${A}>>, deterministic: bool, rng: ptr<function, Rng>) -> array<f32, ${K}> {
  if (deterministic) { return array<f32, ${K}>(${heads.map((h) => `f32(categorical_head_argmax_${h}(head))`).join(', ')}); }
  var sample: array<f32, ${K}>;
  policy_sample(head, rng, &sample);
  return sample;
}
`;
}

/** `fn net_run(x, out)` with the layers it calls: the MLP, or the encoder fused into layer 0 then the MLP. */
export function networkWgsl(net: string, layers: InlineLayer[], conv: InlineConv | undefined, obsSize: number): string {
  if (!conv) return mlpInlineWgsl(net, layers) + mlpRunWgsl(net, layers);
  return convEncodeWgsl(net, conv, layers[0]!) + mlpInlineWgsl(net, layers, undefined, 1) + mlpRunWgsl(net, layers, { inputs: obsSize });
}

export function actorCriticWgsl(spec: ActorCriticSpec): string {
  const heads = categoricalHeads(spec.action);
  const A = heads ? heads.reduce((a, b) => a + b, 0) : (spec.action as BoxSpace).size;
  const W = actionWidthOf(spec.action);
  const O = spec.obsSize;
  const bounds = (values: number[]) => `array<f32, ${A}>(${values.map((v) => `f32(${Math.fround(v)})`).join(', ')})`;
  const box = spec.action.type === 'box' ? spec.action : undefined;
  return wgsl/* wgsl */ `
${activationLibraryWgsl}
${networkWgsl('actor', spec.actor, spec.actorConv, O)}
#if ${spec.critic !== undefined}
${spec.critic ? networkWgsl('critic', spec.critic, spec.criticConv, O) : ''}
fn value_of(x: ptr<function, array<f32, ${O}>>) -> f32 {
  var v: array<f32, 1>;
  critic_run(x, &v);
  return v[0];
}
#endif
#if ${spec.normObs}
${normObsWgsl(O, spec.clipObs)}
#endif

fn network_input(raw: ptr<function, array<f32, ${O}>>) -> array<f32, ${O}> {
#if ${spec.normObs}
  var x: array<f32, ${O}>;
  norm_obs(raw, &x);
  return x;
#else
  return *raw;
#endif
}

const ACTION_WIDTH: u32 = ${W}u;
const ACTOR_OUTPUTS: u32 = ${A}u;
#if ${heads !== undefined}
${heads ? categoricalPolicyWgsl(heads) : ''}
#else
${gaussianWgsl(A)}
const ACTION_LOW = ${box ? bounds(box.low) : ''};
const ACTION_HIGH = ${box ? bounds(box.high) : ''};

fn policy_logstd() -> array<f32, ${A}> {
  var logstd: array<f32, ${A}>;
  for (var d = 0u; d < ${A}u; d++) { logstd[d] = params[${spec.logstdOffset}u + d]; }
  return logstd;
}

fn policy_sample(head: ptr<function, array<f32, ${A}>>, rng: ptr<function, Rng>, sample: ptr<function, array<f32, ${A}>>) -> f32 {
  var logstd = policy_logstd();
  for (var d = 0u; d < ${A}u; d++) { (*sample)[d] = (*head)[d] + exp(logstd[d]) * rng_normal(rng); }
  return gaussian_log_prob(sample, head, &logstd);
}

fn policy_clip(sample: ptr<function, array<f32, ${A}>>) -> array<f32, ${A}> {
  var clipped: array<f32, ${A}>;
  for (var d = 0u; d < ${A}u; d++) { clipped[d] = clamp((*sample)[d], ACTION_LOW[d], ACTION_HIGH[d]); }
  return clipped;
}

fn policy_choose(head: ptr<function, array<f32, ${A}>>, deterministic: bool, rng: ptr<function, Rng>) -> array<f32, ${A}> {
  var sample = *head;
  if (!deterministic) { policy_sample(head, rng, &sample); }
  return policy_clip(&sample);
}
#endif
`;
}
