/**
 * The tuner: on the adapter in use and at the run's sizes, builds each candidate layout of the training kernels
 * (src/tune/choice.ts), checks its output against the default layout's, times it, and picks the fastest.
 *
 *   update   one PpoUpdate per candidate on a synthetic minibatch of one chunk (seeded random observations, valid
 *            actions, advantages, returns, old log-probabilities and distributions) in a state of its own; the
 *            output checked is the minibatch gradient and its statistics record (loss + gradient kernels), the
 *            time is the varied kernel's alone (loss: samples per invocation; gradient: tiling)
 *   rollout  GPU environments: one Rollout per workgroup size, each on a fresh copy of the run's environment
 *            (same seed) and a fresh state (same initial parameters); the output checked is the whole rollout
 *            storage after one rollout, the time that of further rollouts
 *
 * Check: a candidate is accepted when every output x of it and r of the default's satisfy
 * |x - r| ≤ atol·max|r| + rtol·|r| (update: atol 1e-4, rtol 1e-3, f32 sums over the chunk in another order;
 * rollout: the same per-environment code whatever the workgroup, atol 1e-6, rtol 1e-5). A candidate that fails is
 * never chosen; the report gives its worst error.
 *
 * Budget: wall time from the start, compilation, checks and timing included. The defaults are always built (the
 * reference of the checks; training needs them when nothing else wins); any other candidate is skipped once the
 * time spent plus its estimated cost (the dearest of its kernel's candidates so far, the default's at first) would
 * exceed the budget. A build cannot be cut short, so the last candidate started can overrun the budget (on lavapipe
 * with an empty shader cache a loss-kernel variant's first build can take tens of seconds).
 *
 * Timing: wall clock of one submit of R repeats (R chosen from a first call so a sample lasts about TARGET_MS),
 * then the median of SAMPLES samples, per repeat. Wall time on purpose: timestamp queries are missing on some
 * adapters and browsers, and many repeats per submit make the host's share small.
 */
import type { Gpu, AdapterDescription } from '../gpu/device.js';
import { readFloat32 } from '../gpu/readback.js';
import { Recorder } from '../gpu/recorder.js';
import { CLEANRL_DEFAULTS, type TrainerConfig } from '../config.js';
import type { AgentLayout } from '../agent/agent.js';
import { categoricalHeads } from '../envs/spec.js';
import type { GpuEnvDefinition } from '../envs/spec.js';
import { GpuVecEnv } from '../envs/gpuEnv.js';
import { RolloutLayout } from '../ppo/storage.js';
import { RunnerState } from '../ppo/runnerState.js';
import { PpoUpdate, chunkFor } from '../ppo/update.js';
import { widestLayer } from '../ppo/loss.wgsl.js';
import { Rollout } from '../ppo/rollout.js';
import { ScratchLayout, RECORD_WORDS } from '../ppo/scratch.js';
import { actionWidth } from '../agent/agent.js';
import { rngHost } from '../../shaders/rng.js';
import {
  defaultChoice,
  GRADIENT_TILINGS,
  gradientCandidates,
  lossCandidates,
  lossLayoutName,
  parseLossLayout,
  rolloutCandidates,
  tuneSizes,
  type GradientTilingName,
  type KernelChoice,
  type LossLayout,
  type TuneSizes,
} from './choice.js';

/** The default budget of a tuning, milliseconds (the config's tune_budget_ms). */
export const DEFAULT_TUNE_BUDGET_MS = CLEANRL_DEFAULTS.tune_budget_ms;
const TARGET_MS = 20;
const SAMPLES = 3;
const MAX_REPEATS = 200;

export type TunedKernel = 'loss' | 'gradient' | 'rollout';

export interface CandidateResult {
  kernel: TunedKernel;
  /** '4x8' (loss: samples x outputs per tile), 'shared' (tiling), '64' (workgroup). */
  candidate: string;
  isDefault: boolean;
  status: 'measured' | 'skipped' | 'mismatch' | 'failed';
  /** Build (compile) and check time, ms. */
  buildMs?: number;
  /** Milliseconds per call of the kernel (one chunk; the rollout: one whole rollout). */
  ms?: number;
  /** Worst |x - r| / (atol·max|r| + rtol·|r|) against the default's output (≤ 1 passes). */
  checkRatio?: number;
  /** Why it was skipped or failed. */
  reason?: string;
  chosen: boolean;
}

export interface TuneReport {
  adapter: AdapterDescription;
  sizes: TuneSizes;
  budgetMs: number;
  /** Time the tuning took, ms. */
  elapsedMs: number;
  defaults: KernelChoice;
  choice: KernelChoice;
  candidates: CandidateResult[];
  /** Per kernel: the default's time over the chosen one's (1 when the default was kept or nothing else ran). */
  gains: Record<TunedKernel, number>;
  /** The same for one iteration's tuned work: the rollout plus every chunk's loss and gradient kernels. */
  iterationGain: number;
}

/** The run a tuning is for: its resolved configuration, its agent, and its GPU environment (none: JavaScript). */
export interface TuneRun {
  config: TrainerConfig;
  agent: AgentLayout;
  gpuEnv: GpuEnvDefinition | undefined;
  masked: boolean;
}

export interface TuneOptions {
  budgetMs?: number;
  log?: (line: string) => void;
}

/** The chunk the run's update will use, and the sizes of its cache key. */
export function runSizes(gpu: Gpu, run: TuneRun): { chunk: number; widest: number; sizes: TuneSizes } {
  const { config, agent } = run;
  const algo = config.algo === 'trpo' ? 'critic' : 'clip';
  const scratch = new ScratchLayout(agent, { actor: algo !== 'critic' });
  const minibatch = (config.num_envs * config.num_steps) / config.num_minibatches;
  const chunk = chunkFor(gpu.limits, scratch.rows, minibatch);
  const widest = widestLayer(agent.inline('actor'), agent.inline('critic'));
  return { chunk, widest, sizes: tuneSizes(config, agent, chunk, run.gpuEnv !== undefined, run.masked) };
}

function nowMs(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now();
}

/** Milliseconds per call of `encode`, as the header says. */
async function timeCalls(gpu: Gpu, label: string, encode: (recorder: Recorder, call: number) => void): Promise<number> {
  let call = 0;
  const run = async (repeats: number) => {
    const start = nowMs();
    const recorder = new Recorder(gpu, label);
    for (let r = 0; r < repeats; r++) encode(recorder, call++);
    recorder.submit();
    await gpu.device.queue.onSubmittedWorkDone();
    return (nowMs() - start) / repeats;
  };
  const first = await run(1);
  const repeats = Math.max(1, Math.min(MAX_REPEATS, Math.round(TARGET_MS / Math.max(first, 1e-3))));
  const samples: number[] = [];
  for (let s = 0; s < SAMPLES; s++) samples.push(await run(repeats));
  samples.sort((a, b) => a - b);
  return samples[Math.floor(SAMPLES / 2)]!;
}

/** Worst |x - r| / (atol·max|r| + rtol·|r|) over the outputs (Infinity for a NaN or a length mismatch). */
export function checkRatio(output: Float32Array, reference: Float32Array, atol: number, rtol: number): number {
  if (output.length !== reference.length) return Infinity;
  let scale = 0;
  for (const r of reference) scale = Math.max(scale, Math.abs(r));
  let worst = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i]!;
    const bound = atol * scale + rtol * Math.abs(r);
    const error = Math.abs(output[i]! - r);
    if (!(error <= bound)) worst = Math.max(worst, bound > 0 ? error / bound : Infinity);
    else if (bound > 0) worst = Math.max(worst, error / bound);
  }
  return Number.isNaN(worst) ? Infinity : worst;
}

/** A deterministic uniform in [low, high) from (stream, index). */
function uniform(stream: number, index: number, low: number, high: number): number {
  return low + (high - low) * rngHost.unit(rngHost.pcg4d([20261203, stream, index, 0])[0]);
}

/** A synthetic rollout storage of `layout` for the update's tuning (header): every region the update reads. */
export function syntheticStorage(agent: AgentLayout, layout: RolloutLayout): Float32Array {
  const { offsets: o, samples: M } = layout;
  const { obsSize, policyOutputs, numEnvs, numSteps } = layout.shape;
  const data = new Float32Array(layout.floats);
  const fill = (stream: number, at: number, count: number, low: number, high: number) => {
    for (let i = 0; i < count; i++) data[at + i] = Math.fround(uniform(stream, i, low, high));
  };
  fill(1, o.obs, obsSize * M, -1, 1);
  const action = agent.architecture.action;
  const heads = categoricalHeads(action);
  if (heads) {
    heads.forEach((n, h) => {
      for (let s = 0; s < M; s++) data[o.actions + h * M + s] = Math.min(n - 1, Math.floor(uniform(2 + h, s, 0, n)));
    });
    const logUniform = heads.reduce((sum, n) => sum - Math.log(n), 0);
    fill(40, o.logprobs, M, logUniform - 0.3, logUniform + 0.3);
  } else {
    fill(2, o.actions, actionWidth(action) * M, -1.5, 1.5);
    fill(40, o.logprobs, M, -2 * actionWidth(action), -0.5);
  }
  fill(41, o.values, (numSteps + 1) * numEnvs, -1, 1);
  fill(42, o.advantages, M, -1, 2);
  fill(43, o.returns, M, -1, 1);
  if (layout.shape.keepOldDist) fill(44, o.oldDist, policyOutputs * (M + 1), -0.5, 0.5);
  if (layout.shape.masked) data.fill(1, o.masks, o.masks + policyOutputs * M);
  return data;
}

interface Trial {
  buildMs: number;
  output: Float32Array;
  time(): Promise<number>;
  destroy(): void;
}

/** The update's side of the tuning: a synthetic state of one chunk, and a trial per layout. */
class UpdateBench {
  readonly state: RunnerState;
  readonly layout: RolloutLayout;

  constructor(
    private readonly gpu: Gpu,
    private readonly run: TuneRun,
    readonly chunk: number,
  ) {
    const { agent } = run;
    this.layout = new RolloutLayout({
      numEnvs: chunk,
      numSteps: 1,
      obsSize: agent.architecture.observationSize,
      actionWidth: actionWidth(agent.architecture.action),
      policyOutputs: agent.policyOutputs,
      keepOldDist: true,
      masked: run.masked,
    });
    const c = run.config;
    this.state = new RunnerState(gpu, { agent, layout: this.layout, updateEpochs: 1, numMinibatches: 1, learningRate: c.learning_rate, initBeta: c.init_beta, seed: c.seed }, 'Tuner.update');
    gpu.write(this.state.storage, 0, syntheticStorage(agent, this.layout));
  }

  async trial(loss: LossLayout, tiling: GradientTilingName, timed: 'loss' | 'gradient'): Promise<Trial> {
    const { gpu, run } = this;
    const c = run.config;
    const start = nowMs();
    const update = await PpoUpdate.create(
      gpu,
      run.agent,
      this.layout,
      {
        algo: c.algo === 'trpo' ? 'critic' : c.algo === 'ppo-penalty' ? 'penalty' : 'clip',
        numMinibatches: 1,
        updateEpochs: 1,
        learningRate: c.learning_rate,
        adamEps: c.adam_eps,
        maxGradNorm: c.max_grad_norm,
        lossSamples: loss.samples,
        lossTile: loss.tile,
        gradientTiling: GRADIENT_TILINGS[tiling],
      },
      this.state,
    );
    try {
      update.prepare(
        { clipCoef: c.clip_coef, entCoef: c.ent_coef, vfCoef: c.vf_coef, targetKl: -1, normAdv: c.norm_adv, clipVloss: c.clip_vloss, iteration: 1, seed: c.seed, klTarget: c.kl_target },
        c.learning_rate,
      );
      // One minibatch's loss and gradient kernels after the epoch kernel (sample order, advantage statistics).
      const recorder = new Recorder(gpu, 'Tuner.update.check');
      recorder.clear(this.state.records);
      update.encodeEpochStart(recorder, 0);
      update.encodeGradient(recorder, 0, 0);
      recorder.submit();
      const [grads, records] = await Promise.all([readFloat32(gpu, this.state.grads, run.agent.table.size), readFloat32(gpu, this.state.records, RECORD_WORDS)]);
      const output = new Float32Array(grads.length + records.length);
      output.set(grads);
      output.set(records, grads.length);
      return {
        buildMs: nowMs() - start,
        output,
        time: () => timeCalls(gpu, `Tuner.update.${timed}`, (r) => update.encodeGradient(r, 0, 0, timed)),
        destroy: () => update.destroy(),
      };
    } catch (error) {
      update.destroy();
      throw error;
    }
  }

  destroy(): void {
    this.state.destroy();
  }
}

/** A rollout trial: a fresh environment and state, one checked rollout, then timed ones. */
async function rolloutTrial(gpu: Gpu, run: TuneRun, definition: GpuEnvDefinition, workgroup: number): Promise<Trial> {
  const c = run.config;
  const { agent } = run;
  const start = nowMs();
  const layout = new RolloutLayout({
    numEnvs: c.num_envs,
    numSteps: c.num_steps,
    obsSize: definition.observationSize,
    actionWidth: actionWidth(definition.action),
    policyOutputs: agent.policyOutputs,
    keepOldDist: true,
    masked: run.masked,
  });
  const state = new RunnerState(gpu, { agent, layout, updateEpochs: c.update_epochs, numMinibatches: c.num_minibatches, learningRate: c.learning_rate, initBeta: c.init_beta, seed: c.seed }, `Tuner.rollout${workgroup}`);
  let env: GpuVecEnv | undefined;
  let rollout: Rollout | undefined;
  const destroy = () => {
    rollout?.destroy();
    env?.destroy();
    state.destroy();
  };
  try {
    env = await GpuVecEnv.create(gpu, definition, { numEnvs: c.num_envs, seed: c.seed });
    rollout = await Rollout.create(gpu, env, agent, layout, c, state, workgroup);
    const recorder = new Recorder(gpu, 'Tuner.rollout.check');
    env.recordReset(recorder);
    rollout.encode(recorder, c.seed, 0);
    recorder.submit();
    const output = await readFloat32(gpu, state.storage, layout.floats);
    const timed = rollout;
    return {
      buildMs: nowMs() - start,
      output,
      time: () => timeCalls(gpu, 'Tuner.rollout', (r, call) => timed.encode(r, c.seed, (call + 1) * c.num_steps)),
      destroy,
    };
  } catch (error) {
    destroy();
    throw error;
  }
}

/** Tunes the run's kernels (header); never throws for a candidate's failure, only for the defaults'. */
export async function tuneKernels(gpu: Gpu, run: TuneRun, options: TuneOptions = {}): Promise<TuneReport> {
  const budgetMs = options.budgetMs ?? DEFAULT_TUNE_BUDGET_MS;
  const log = options.log ?? (() => undefined);
  const start = nowMs();
  const elapsed = () => nowMs() - start;
  const { chunk, widest, sizes } = runSizes(gpu, run);
  const defaults = defaultChoice(chunk, widest);
  const results: CandidateResult[] = [];
  /** Each kernel's default output and cost (the budget's estimate for its other candidates). */
  const reference = new Map<TunedKernel, { output: Float32Array; costMs: number }>();
  const tolerance: Record<TunedKernel, [number, number]> = { loss: [1e-4, 1e-3], gradient: [1e-4, 1e-3], rollout: [1e-6, 1e-5] };

  const attempt = async (kernel: TunedKernel, candidate: string, isDefault: boolean, make: () => Promise<Trial>) => {
    const t0 = elapsed();
    const known = reference.get(kernel);
    if (!isDefault && known && t0 + known.costMs > budgetMs) {
      results.push({ kernel, candidate, isDefault, status: 'skipped', reason: `over budget (${Math.round(t0)} ms spent, about ${Math.round(known.costMs)} ms more of ${budgetMs} ms)`, chosen: false });
      log(`${kernel} ${candidate}: skipped (over budget)`);
      return;
    }
    let trial: Trial | undefined;
    try {
      trial = await make();
      const [atol, rtol] = tolerance[kernel];
      const ratio = known ? checkRatio(trial.output, known.output, atol, rtol) : 0;
      if (ratio > 1) {
        results.push({ kernel, candidate, isDefault, status: 'mismatch', buildMs: trial.buildMs, checkRatio: ratio, reason: `output differs from the default's beyond atol ${atol}·max|r| + rtol ${rtol}·|r|`, chosen: false });
        log(`${kernel} ${candidate}: output mismatch (${ratio.toExponential(2)} x the tolerance); not a candidate`);
        return;
      }
      const ms = await trial.time();
      results.push({ kernel, candidate, isDefault, status: 'measured', buildMs: trial.buildMs, ms, checkRatio: ratio, chosen: false });
      if (isDefault) reference.set(kernel, { output: trial.output, costMs: elapsed() - t0 });
      // The estimate of the kernel's next candidates: the dearest of its candidates so far (builds grow with them).
      else if (known) known.costMs = Math.max(known.costMs, elapsed() - t0);
      log(`${kernel} ${candidate}${isDefault ? ' (default)' : ''}: ${ms.toFixed(3)} ms per call, built and checked in ${Math.round(trial.buildMs)} ms`);
    } catch (error) {
      if (isDefault) throw error;
      results.push({ kernel, candidate, isDefault, status: 'failed', reason: (error as Error).message, chosen: false });
      log(`${kernel} ${candidate}: failed (${(error as Error).message})`);
    } finally {
      trial?.destroy();
    }
  };

  const bench = new UpdateBench(gpu, run, chunk);
  const choice: KernelChoice = { ...defaults };
  const fastest = (kernel: TunedKernel): CandidateResult | undefined =>
    results.filter((r) => r.kernel === kernel && r.status === 'measured').reduce<CandidateResult | undefined>((best, r) => (best && best.ms! <= r.ms! ? best : r), undefined);
  try {
    // The defaults first: the references of the checks and the estimates of the budget.
    const defaultLoss = { samples: defaults.lossSamples, tile: defaults.lossTile };
    await attempt('loss', lossLayoutName(defaultLoss), true, () => bench.trial(defaultLoss, defaults.gradientTiling, 'loss'));
    await attempt('gradient', defaults.gradientTiling, true, () => bench.trial(defaultLoss, defaults.gradientTiling, 'gradient'));
    if (run.gpuEnv) await attempt('rollout', String(defaults.rolloutWorkgroup), true, () => rolloutTrial(gpu, run, run.gpuEnv!, defaults.rolloutWorkgroup));
    // Then the others, the cheapest to build first.
    for (const tiling of gradientCandidates(chunk).slice(1)) {
      await attempt('gradient', tiling, false, () => bench.trial(defaultLoss, tiling, 'gradient'));
    }
    for (const layout of lossCandidates(chunk, widest).slice(1)) {
      await attempt('loss', lossLayoutName(layout), false, () => bench.trial(layout, defaults.gradientTiling, 'loss'));
    }
    if (run.gpuEnv) {
      for (const workgroup of rolloutCandidates(run.config.num_envs, gpu.limits.maxComputeInvocationsPerWorkgroup).slice(1)) {
        await attempt('rollout', String(workgroup), false, () => rolloutTrial(gpu, run, run.gpuEnv!, workgroup));
      }
    }
  } finally {
    bench.destroy();
  }
  const loss = fastest('loss');
  const gradient = fastest('gradient');
  const rollout = fastest('rollout');
  if (loss) {
    const layout = parseLossLayout(loss.candidate);
    choice.lossSamples = layout.samples;
    choice.lossTile = layout.tile;
  }
  if (gradient) choice.gradientTiling = gradient.candidate as GradientTilingName;
  if (rollout) choice.rolloutWorkgroup = Number(rollout.candidate);
  for (const r of [loss, gradient, rollout]) if (r) r.chosen = true;
  const msOf = (kernel: TunedKernel, which: 'default' | 'chosen') => results.find((r) => r.kernel === kernel && (which === 'default' ? r.isDefault : r.chosen))?.ms;
  const gain = (kernel: TunedKernel) => {
    const d = msOf(kernel, 'default');
    const c = msOf(kernel, 'chosen');
    return d !== undefined && c !== undefined && c > 0 ? d / c : 1;
  };
  const c = run.config;
  const chunksPerIteration = c.update_epochs * c.num_minibatches * Math.ceil((c.num_envs * c.num_steps) / c.num_minibatches / chunk);
  const iterationMs = (which: 'default' | 'chosen') => (msOf('rollout', which) ?? 0) + chunksPerIteration * ((msOf('loss', which) ?? 0) + (msOf('gradient', which) ?? 0));
  const chosenIteration = iterationMs('chosen');
  return {
    adapter: gpu.adapter,
    sizes,
    budgetMs,
    elapsedMs: elapsed(),
    defaults,
    choice,
    candidates: results,
    gains: { loss: gain('loss'), gradient: gain('gradient'), rollout: gain('rollout') },
    iterationGain: chosenIteration > 0 ? iterationMs('default') / chosenIteration : 1,
  };
}
