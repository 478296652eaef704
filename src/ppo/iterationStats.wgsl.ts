/**
 * The statistics of one training iteration (owner: src/ppo/iterationStats.ts), in one workgroup, one dispatch,
 * into a small block that is the iteration's only readback:
 *
 *   episodes:   count, sum, sum of squares, min and max of the returns and the sum of the lengths of the episodes
 *               that ended during the rollout; the ring of the last RING episodes (time order, ties by env index)
 *               carried across iterations, and its mean (the "mean of the last 20 episodes" of the solved check)
 *   update:     CleanRL's logged values of the last minibatch performed (pg loss, value loss, entropy, both
 *               approx-KL estimators), the clip fraction averaged over all performed minibatches, the number
 *               performed and whether the KL early stop fired
 *   explained variance 1 - Var(R - V) / Var(R) over the batch (two-pass, centred)
 *   move:       `kl` is d, the batch's mean exact KL[π_old ‖ π_θ] after the update (every algorithm), and `beta`
 *               the β that PPO-Penalty's rule left (both from the pass of src/ppo/batchKl.ts, which runs before
 *               this kernel; β unchanged for the others)
 *   TRPO:       its update records only the critic's regression, so the policy loss is -L(θ) at the accepted
 *               step (-(L(θ_old) + improvement), or -L(θ_old) when the line search rejected every candidate,
 *               from the step's state) and the entropy is the new policy's over the batch (the batch-KL pass's)
 *   health:     non-finite gradient (Adam's sticky flag), non-finite parameters, non-finite losses, and (action
 *               masks) the first sample whose stored mask allows nothing in a head: emptyMaskEnv = its env + 1
 *               (0: none), emptyMaskStep = its step
 */
import { wgsl } from 'wgsl-preprocessor/wgsl-preprocessor.js';
import { ControlBlock, nonFiniteWgsl } from '../nn/adam.wgsl.js';
import { hyperBinding } from './hyper.js';
import { rolloutStoreBinding } from './storage.wgsl.js';
import { bindingTable, readOnlyStorage, storage } from '../gpu/bindings.js';
import { trpoStateReadBinding } from '../trpo/state.js';
import { PpoState } from './ppoState.js';
import { categoricalWgsl } from '../../shaders/distributions.js';

export const STATS_WORKGROUP = 64;
export const RING = 20;

export const STAT_FIELDS = [
  'episodes',
  'returnSum',
  'returnSumSq',
  'returnMin',
  'returnMax',
  'lengthSum',
  'recentReturnMean',
  'recentCount',
  'policyLoss',
  'valueLoss',
  'entropy',
  'oldApproxKl',
  'approxKl',
  'clipFraction',
  'kl',
  'minibatchesDone',
  'earlyStopped',
  'explainedVariance',
  'beta',
  'gradNorm',
  'learningRate',
  'adamStep',
  'nonfiniteGradient',
  'nonfiniteParameters',
  'nonfiniteLoss',
  'valueMean',
  'returnMean',
  'recentLengthMean',
  'returnVariance',
  'emptyMaskEnv',
  'emptyMaskStep',
] as const;
export type StatField = (typeof STAT_FIELDS)[number];
export const STATS_WORDS = Math.ceil(STAT_FIELDS.length / 4) * 4;
/** Persistent ring: RING returns, RING lengths, count (as f32). */
export const RING_WORDS = 2 * RING + 4;

export interface StatsKernelSpec {
  recordWords: number;
  doneIndex: number;
  stat: { policyLoss: number; valueLoss: number; entropy: number; oldApproxKl: number; approxKl: number; clipFraction: number };
  paramCount: number;
  /** Where the policy loss and the entropy come from: the update's minibatch records, or TRPO's step. */
  policy: 'records' | 'trpo';
  /** The categorical heads whose stored masks are checked (environments with actionMask), else undefined. */
  maskHeads?: readonly number[];
}

const statsEntries = {
  hyper: hyperBinding,
  rollout: readOnlyStorage('array<f32>'),
  records: readOnlyStorage('array<f32>'),
  control: readOnlyStorage(ControlBlock),
  params: readOnlyStorage('array<f32>'),
  /** PPO's state (PpoState): β, and the batch-KL pass's d and H. */
  ppo_state: readOnlyStorage('array<f32>'),
  /** The persistent ring of recent episodes (RING_WORDS). */
  ring: storage('array<f32>'),
  /** The statistics block (STATS_WORDS). */
  stats: storage('array<f32>'),
  store: rolloutStoreBinding,
};

/** The statistics kernel's bindings. */
export const statsBindings = bindingTable(statsEntries);
/** For TRPO: also the actor step's state (its surrogate and the line search's outcome). */
export const statsTrpoBindings = bindingTable({ ...statsEntries, trpo_state: trpoStateReadBinding });

export function iterationStatsWgsl(spec: StatsKernelSpec): string {
  const WG = STATS_WORKGROUP;
  const masked = spec.maskHeads !== undefined;
  const A = (spec.maskHeads ?? []).reduce((a, b) => a + b, 0);
  const field = (name: StatField) => STAT_FIELDS.indexOf(name);
  const rec = (index: number) => `records[r * ${spec.recordWords}u + ${index}u]`;
  return wgsl/* wgsl */ `
${nonFiniteWgsl}
${(spec.policy === 'trpo' ? statsTrpoBindings : statsBindings).wgsl}
#if ${masked}
${masked ? categoricalWgsl(spec.maskHeads!) : ''}
#endif
// One partial per lane, combined by lane 0 after a single barrier: barriers and loops around them are what
// CPU adapters pay most for (each barrier splits the compiled kernel), and these sums are tiny.
var<workgroup> lane_episodes: array<vec4f, ${WG}>;
var<workgroup> lane_range: array<vec2f, ${WG}>;
var<workgroup> lane_moments: array<vec4f, ${WG}>;
var<workgroup> lane_extra: array<vec4f, ${WG}>;
var<workgroup> lane_empty: array<u32, ${WG}>;

@compute @workgroup_size(${WG})
fn stats_main(@builtin(local_invocation_index) lane: u32) {
  // Episodes that ended during the rollout: count, sum and sum of squares of returns, sum of lengths, min, max.
  var episodes = vec4f(0.0);
  var return_range = vec2f(3.4e38, -3.4e38);
  // Explained variance from sums shifted by the first sample (keeps E[x²] - E[x]² well conditioned).
  let shift_return = rollout[store.returns];
  let shift_residual = rollout[store.returns] - rollout[store.values];
  var moments = vec4f(0.0);
  var extra = vec4f(0.0);
  var first_empty = 0xffffffffu;
  for (var s = lane; s < store.m; s += ${WG}u) {
    let episode_length = rollout[store.episode_lengths + s];
    if (episode_length > 0.0) {
      let ret = rollout[store.episode_returns + s];
      episodes += vec4f(1.0, ret, ret * ret, episode_length);
      return_range = vec2f(min(return_range.x, ret), max(return_range.y, ret));
    }
    let value = rollout[store.values + s];
    let ret = rollout[store.returns + s] - shift_return;
    let residual = rollout[store.returns + s] - value - shift_residual;
    moments += vec4f(ret, ret * ret, residual, residual * residual);
    extra += vec4f(value, 0.0, 0.0, 0.0);
#if ${masked}
    var mask: array<f32, ${A}>;
    for (var j = 0u; j < ${A}u; j++) { mask[j] = rollout[store.masks + j * store.m + s]; }
    if (!categorical_mask_valid(&mask) && first_empty == 0xffffffffu) { first_empty = s; }
#endif
  }
  // Parameter health.
  for (var p = lane; p < ${spec.paramCount}u; p += ${WG}u) { extra.y += params[p] * params[p]; }
  lane_episodes[lane] = episodes;
  lane_range[lane] = return_range;
  lane_moments[lane] = moments;
  lane_extra[lane] = extra;
  lane_empty[lane] = first_empty;
  workgroupBarrier();
  if (lane != 0u) { return; }
  var episode_sums = vec4f(0.0);
  var episode_range = vec2f(3.4e38, -3.4e38);
  var sums = vec4f(0.0);
  var extras = vec4f(0.0);
  var empty_sample = 0xffffffffu;
  for (var l = 0u; l < ${WG}u; l++) {
    empty_sample = min(empty_sample, lane_empty[l]);
    episode_sums += lane_episodes[l];
    episode_range = vec2f(min(episode_range.x, lane_range[l].x), max(episode_range.y, lane_range[l].y));
    sums += lane_moments[l];
    extras += lane_extra[l];
  }
  let count_m = f32(store.m);
  let var_returns = max(sums.y / count_m - (sums.x / count_m) * (sums.x / count_m), 0.0);
  let var_residual = max(sums.w / count_m - (sums.z / count_m) * (sums.z / count_m), 0.0);
  let param_norm = extras.y;

  // The newest episodes, newest first: scan the samples backwards ((t, n) descending) until RING are found.
  var fresh_returns: array<f32, ${RING}>;
  var fresh_lengths: array<f32, ${RING}>;
  var found = 0u;
  for (var offset = 0u; offset < store.m && found < ${RING}u; offset++) {
    let s = store.m - 1u - offset;
    let episode_length = rollout[store.episode_lengths + s];
    if (episode_length > 0.0) {
      fresh_returns[found] = rollout[store.episode_returns + s];
      fresh_lengths[found] = episode_length;
      found += 1u;
    }
  }

  // Ring update: keep the last RING of (old ring in time order) ++ (fresh episodes in time order).
  let fresh = found;
  let old_count = u32(ring[${2 * RING}u]);
  let keep_old = min(old_count, ${RING}u - fresh);
  var merged_returns: array<f32, ${RING}>;
  var merged_lengths: array<f32, ${RING}>;
  for (var i = 0u; i < keep_old; i++) {
    merged_returns[i] = ring[old_count - keep_old + i];
    merged_lengths[i] = ring[${RING}u + old_count - keep_old + i];
  }
  for (var i = 0u; i < fresh; i++) {
    merged_returns[keep_old + i] = fresh_returns[fresh - 1u - i];
    merged_lengths[keep_old + i] = fresh_lengths[fresh - 1u - i];
  }
  let count = keep_old + fresh;
  var recent_sum = 0.0;
  var recent_length = 0.0;
  for (var i = 0u; i < count; i++) {
    ring[i] = merged_returns[i];
    ring[${RING}u + i] = merged_lengths[i];
    recent_sum += merged_returns[i];
    recent_length += merged_lengths[i];
  }
  ring[${2 * RING}u] = f32(count);

  // Minibatch records: last performed, mean clip fraction.
  var performed = 0.0;
  var clip_sum = 0.0;
  var last = 0u;
  for (var r = 0u; r < hyper.num_records; r++) {
    if (${rec(spec.doneIndex)} > 0.0) {
      performed += 1.0;
      clip_sum += ${rec(spec.stat.clipFraction)};
      last = r;
    }
  }
  let beta = ppo_state[${PpoState.beta}];
  let kl = ppo_state[${PpoState.kl}];
  let r = last;
  let has = performed > 0.0;
#if ${spec.policy === 'trpo'}
  let policy_loss = -(trpo_state.surrogate_old + select(0.0, trpo_state.improvement, trpo_state.accepted != 0u));
  let entropy = ppo_state[${PpoState.entropy}];
#else
  let policy_loss = select(0.0, ${rec(spec.stat.policyLoss)}, has);
  let entropy = select(0.0, ${rec(spec.stat.entropy)}, has);
#endif
  stats[${field('episodes')}u] = episode_sums.x;
  stats[${field('returnSum')}u] = episode_sums.y;
  stats[${field('returnSumSq')}u] = episode_sums.z;
  stats[${field('lengthSum')}u] = episode_sums.w;
  stats[${field('returnMin')}u] = episode_range.x;
  stats[${field('returnMax')}u] = episode_range.y;
  stats[${field('recentReturnMean')}u] = select(0.0, recent_sum / f32(count), count > 0u);
  stats[${field('recentLengthMean')}u] = select(0.0, recent_length / f32(count), count > 0u);
  stats[${field('recentCount')}u] = f32(count);
  stats[${field('policyLoss')}u] = policy_loss;
  stats[${field('valueLoss')}u] = select(0.0, ${rec(spec.stat.valueLoss)}, has);
  stats[${field('entropy')}u] = entropy;
  stats[${field('oldApproxKl')}u] = select(0.0, ${rec(spec.stat.oldApproxKl)}, has);
  stats[${field('approxKl')}u] = select(0.0, ${rec(spec.stat.approxKl)}, has);
  stats[${field('kl')}u] = kl;
  stats[${field('clipFraction')}u] = select(0.0, clip_sum / performed, has);
  stats[${field('minibatchesDone')}u] = performed;
  stats[${field('earlyStopped')}u] = f32(control.skip);
  // 0 here when the returns have no variance; the host reports NaN then (as CleanRL's np.nan).
  stats[${field('explainedVariance')}u] = select(1.0 - var_residual / var_returns, 0.0, var_returns == 0.0);
  stats[${field('returnVariance')}u] = var_returns;
  stats[${field('beta')}u] = beta;
  stats[${field('gradNorm')}u] = control.grad_norm;
  stats[${field('learningRate')}u] = control.lr;
  stats[${field('adamStep')}u] = control.step;
  stats[${field('nonfiniteGradient')}u] = f32(control.nonfinite);
  stats[${field('nonfiniteParameters')}u] = select(0.0, 1.0, is_non_finite(param_norm));
  stats[${field('nonfiniteLoss')}u] = select(0.0, 1.0, is_non_finite(policy_loss) || (has && is_non_finite(${rec(spec.stat.valueLoss)})) || is_non_finite(entropy));
  stats[${field('valueMean')}u] = extras.x / count_m;
  stats[${field('returnMean')}u] = sums.x / count_m + shift_return;
  let empty = empty_sample != 0xffffffffu;
  stats[${field('emptyMaskEnv')}u] = select(0.0, f32(empty_sample % store.num_envs + 1u), empty);
  stats[${field('emptyMaskStep')}u] = select(0.0, f32(empty_sample / store.num_envs), empty);
}
`;
}
