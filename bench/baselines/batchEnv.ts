/**
 * The environments of the TF.js baseline: a batch of N copies of a built-in environment stepped in plain
 * JavaScript, with Gymnasium's dynamics (the float64 transcriptions in reference/envs), Gymnasium's time
 * limit, auto-reset (the observation after a finished episode is the next episode's first; the last one is kept
 * in finalObs) and CleanRL's ClipAction for box actions. This is what a JavaScript developer writes next to a
 * TF.js agent: the environment lives on the CPU, so every step needs the actions on the CPU.
 *
 * Resets draw from the engine's counter-based generator (stream envReset, index n, counter = episode), so the
 * first states are the GPU environments' first states from the same seed.
 */
import { RngStream, rngHost } from '../../shaders/rng.js';
import { getEnvDefinition } from '../../src/envs/registry.js';
import { REFERENCE_ENVS, type ReferenceEnv, type ReferenceOutcome } from '../../reference/envs/index.js';

export interface BatchStep {
  reward: Float32Array;
  terminated: Uint8Array;
  truncated: Uint8Array;
  /** The last observation of the episodes that ended in this step (rows where terminated or truncated). */
  finalObs: Float32Array;
}

export class ReferenceVecEnv {
  readonly observationSize: number;
  /** Discrete: the number of actions; box: undefined. */
  readonly actions: number | undefined;
  /** Box: components per action (1 for discrete). */
  readonly actionSize: number;
  readonly low: Float64Array;
  readonly high: Float64Array;
  readonly maxEpisodeSteps: number;
  readonly rewardThreshold: number | null;
  /** The current observations, [numEnvs][observationSize]. */
  readonly obs: Float32Array;
  private readonly ref: ReferenceEnv;
  private readonly state: Float64Array;
  private readonly steps: Uint32Array;
  private readonly episode: Uint32Array;
  private readonly returns: Float64Array;
  private readonly out: BatchStep;
  private readonly outcome: ReferenceOutcome = { reward: 0, terminated: false };
  private readonly scratchObs: Float64Array;
  private readonly clipped: Float64Array;
  /** Returns of the episodes finished since the last `drainEpisodes()`. */
  private finished: number[] = [];

  constructor(
    readonly id: string,
    readonly numEnvs: number,
    private readonly seed: number,
  ) {
    const ref = REFERENCE_ENVS[id];
    if (!ref) throw new Error(`ReferenceVecEnv: no JavaScript reference for '${id}' (known: ${Object.keys(REFERENCE_ENVS).join(', ')})`);
    const def = getEnvDefinition(id);
    this.ref = ref;
    this.observationSize = def.observationSize;
    this.maxEpisodeSteps = def.maxEpisodeSteps;
    this.rewardThreshold = def.rewardThreshold ?? null;
    if (def.action.type === 'discrete') {
      this.actions = def.action.n;
      this.actionSize = 1;
      this.low = new Float64Array(1);
      this.high = new Float64Array(1);
    } else if (def.action.type === 'multiDiscrete') {
      throw new RangeError(`the TF.js baseline's batched environment takes discrete and box action spaces; '${def.id}' is multi-discrete`);
    } else {
      this.actions = undefined;
      this.actionSize = def.action.size;
      this.low = Float64Array.from(def.action.low);
      this.high = Float64Array.from(def.action.high);
    }
    this.obs = new Float32Array(numEnvs * this.observationSize);
    this.state = new Float64Array(numEnvs * ref.stateSize);
    this.steps = new Uint32Array(numEnvs);
    this.episode = new Uint32Array(numEnvs);
    this.returns = new Float64Array(numEnvs);
    this.scratchObs = new Float64Array(this.observationSize);
    this.clipped = new Float64Array(this.actionSize);
    this.out = {
      reward: new Float32Array(numEnvs),
      terminated: new Uint8Array(numEnvs),
      truncated: new Uint8Array(numEnvs),
      finalObs: new Float32Array(numEnvs * this.observationSize),
    };
    for (let n = 0; n < numEnvs; n++) this.resetEnv(n);
  }

  private resetEnv(n: number): void {
    const S = this.ref.stateSize;
    const O = this.observationSize;
    const state = this.state.subarray(n * S, (n + 1) * S);
    this.ref.reset(rngHost.create(this.seed, RngStream.envReset, n, this.episode[n]!), state);
    this.episode[n] = this.episode[n]! + 1;
    this.steps[n] = 0;
    this.returns[n] = 0;
    this.ref.observe(state, this.scratchObs);
    for (let k = 0; k < O; k++) this.obs[n * O + k] = this.scratchObs[k]!;
  }

  /** One step of every environment (discrete: action indices; box: [numEnvs][actionSize], clipped to the bounds). */
  step(actions: ArrayLike<number>): BatchStep {
    const S = this.ref.stateSize;
    const O = this.observationSize;
    const A = this.actionSize;
    const out = this.out;
    const discrete = this.actions !== undefined;
    for (let n = 0; n < this.numEnvs; n++) {
      const state = this.state.subarray(n * S, (n + 1) * S);
      let action: number | Float64Array;
      if (discrete) action = actions[n]!;
      else {
        for (let k = 0; k < A; k++) this.clipped[k] = Math.min(Math.max(actions[n * A + k]!, this.low[k]!), this.high[k]!);
        action = this.clipped;
      }
      const rng = this.ref.stepDraws ? rngHost.create(this.seed, RngStream.envStep | (this.steps[n]! << 4), n, this.episode[n]!) : undefined;
      this.ref.step(state, action, this.outcome, rng);
      const reward = this.outcome.reward;
      const steps = this.steps[n]! + 1;
      const terminated = this.outcome.terminated;
      const truncated = !terminated && steps >= this.maxEpisodeSteps;
      out.reward[n] = reward;
      out.terminated[n] = terminated ? 1 : 0;
      out.truncated[n] = truncated ? 1 : 0;
      this.returns[n] = this.returns[n]! + reward;
      this.ref.observe(state, this.scratchObs);
      if (terminated || truncated) {
        for (let k = 0; k < O; k++) out.finalObs[n * O + k] = this.scratchObs[k]!;
        this.finished.push(this.returns[n]!);
        this.resetEnv(n);
      } else {
        this.steps[n] = steps;
        for (let k = 0; k < O; k++) this.obs[n * O + k] = this.scratchObs[k]!;
      }
    }
    return out;
  }

  /** Returns of the episodes finished since the last call. */
  drainEpisodes(): number[] {
    const done = this.finished;
    this.finished = [];
    return done;
  }
}
