/**
 * Environments whose logic is JavaScript (a game's own update function), batched over arrays.
 *
 * The user writes a batch object (`JsEnvBatch`) that steps all numEnvs instances at once over flat typed arrays;
 * JsVecEnv wraps it into the VecEnv face every environment shares: input validation, Gymnasium's TimeLimit
 * (truncated once maxEpisodeSteps steps are taken), auto-reset in the same step, finalObs. `stepInto` is the
 * synchronous, allocation-free path the trainer uses.
 *
 * Shapes: obs and finalObs numEnvs x observationSize row-major; reward, terminated, truncated numEnvs;
 * actions numEnvs (discrete, Int32Array), numEnvs x heads (multi-discrete, Int32Array) or numEnvs x action.size
 * row-major (box, Float32Array); action masks numEnvs x Σ nvec (actionMask). A two-player game (players: 2) has a
 * player axis inside the environment axis: its batch reads actions [numEnvs x 2] and writes obs [numEnvs x 2 x
 * observationSize] (each player's own view) and reward [numEnvs] (player 0's); the VecEnv's rewards are
 * [numEnvs x 2], player 1's the negation of player 0's.
 */
import { EnvInputError, describeValue } from './errors.js';
import { requireSeed, requirePositiveInteger, validateActionMask, validateActions, validateState } from './validate.js';
import { categoricalHeads, playersOf, specOf, type EnvSpec, type StepResult, type VecEnv } from './spec.js';

/** Arrays a batch's step writes into (all provided by the engine, zeroed where noted). */
export interface JsEnvStepOutput {
  /** numEnvs x observationSize: the observation each environment reached. */
  obs: Float32Array;
  /** numEnvs: the reward of the step. */
  reward: Float32Array;
  /** numEnvs, zeroed before the call: set 1 where the environment reached a terminal state. */
  terminated: Uint8Array;
  /** numEnvs, zeroed before the call: set 1 where the game itself cuts the episode short (the engine adds the time limit). */
  truncated?: Uint8Array;
}

/** The batched interface a JavaScript environment implements. */
export interface JsEnvBatch {
  /**
   * Starts a new episode in each environment n with mask[n] = 1 (every environment when mask is absent) and
   * writes its first observation into row n of obs; rows of the other environments must be left as they are.
   */
  reset(obs: Float32Array, mask?: Uint8Array): void;
  /**
   * Advances every environment one step under its action. The engine never steps an environment whose episode
   * has ended: it resets it (reset with a mask) in the same engine step.
   */
  step(actions: Int32Array | Float32Array, out: JsEnvStepOutput): void;
  /**
   * Required when the definition has actionMask: the action mask of every environment's current observation into
   * `out` (numEnvs x Σ nvec row-major, zeroed before the call): 1 where the action is allowed; every head of every
   * environment needs at least one.
   */
  actionMask?(out: Float32Array): void;
  /** Optional: the state of every environment, numEnvs x stateSize row-major (needs stateSize in the definition). */
  getState?(): Float32Array;
  /** Optional: overwrite the state of every environment (numEnvs x stateSize row-major). */
  setState?(state: Float32Array): void;
}

export interface JsEnvCreateOptions {
  numEnvs: number;
  /** A u32; the counter-based generator (rngHost of src/rng.ts) keyed by it makes runs reproducible. */
  seed: number;
  spec: EnvSpec;
}

/** A registered JavaScript environment: the spec and a factory of batches. */
export interface JsEnvDefinition extends EnvSpec {
  /** Floats of state per environment, when the batch implements getState/setState. */
  stateSize?: number;
  stateNames?: string[];
  create(options: JsEnvCreateOptions): JsEnvBatch;
}

/** What defineJsEnv accepts: rewardThreshold may be left out (none). */
export type JsEnvDefinitionInput = Omit<JsEnvDefinition, 'rewardThreshold'> & { rewardThreshold?: number | null };

export interface JsVecEnvOptions {
  numEnvs: number;
  seed?: number;
}

/** A StepResult with freshly allocated arrays for `numEnvs` environments of `spec` (for stepInto). */
export function allocateStepResult(spec: EnvSpec, numEnvs: number): StepResult {
  const rows = playersOf(spec) * numEnvs;
  return {
    obs: new Float32Array(rows * spec.observationSize),
    reward: new Float32Array(rows),
    terminated: new Uint8Array(numEnvs),
    truncated: new Uint8Array(numEnvs),
    finalObs: new Float32Array(rows * spec.observationSize),
  };
}

export class JsVecEnv implements VecEnv {
  readonly spec: EnvSpec;
  readonly numEnvs: number;
  readonly seed: number;
  readonly batch: JsEnvBatch;
  /** Steps taken in each environment's current episode. */
  readonly episodeSteps: Uint32Array;
  private readonly ended: Uint8Array;
  /** Reused for every step: the batch's view of the caller's arrays (no allocation per step). */
  private readonly batchOut: Required<JsEnvStepOutput>;
  /** Two-player games: player 0's rewards as the batch writes them, [numEnvs]. */
  private readonly zeroSumReward: Float32Array | undefined;
  private started = false;
  private destroyed = false;

  constructor(
    readonly definition: JsEnvDefinition,
    options: JsVecEnvOptions,
  ) {
    const where = `createEnv('${definition.id}')`;
    this.numEnvs = requirePositiveInteger(where, 'numEnvs', options.numEnvs);
    this.seed = requireSeed(where, options.seed ?? 0);
    this.spec = specOf(definition);
    this.batch = definition.create({ numEnvs: this.numEnvs, seed: this.seed, spec: this.spec });
    if (typeof this.batch !== 'object' || this.batch === null || typeof this.batch.reset !== 'function' || typeof this.batch.step !== 'function') {
      throw new EnvInputError(where, 'create() result', describeValue(this.batch), 'an object with reset(obs, mask?) and step(actions, out) methods');
    }
    if (this.spec.actionMask && typeof this.batch.actionMask !== 'function') {
      throw new EnvInputError(where, 'create() result', 'a batch without actionMask()', "an actionMask(out) method (the definition says actionMask: true)");
    }
    this.episodeSteps = new Uint32Array(this.numEnvs);
    this.ended = new Uint8Array(this.numEnvs);
    const empty = allocateStepResult(this.spec, 0);
    this.batchOut = { obs: empty.obs, reward: empty.reward, terminated: empty.terminated, truncated: empty.truncated };
    this.zeroSumReward = playersOf(this.spec) === 2 ? new Float32Array(this.numEnvs) : undefined;
  }

  private where(method: string): string {
    return `${this.spec.id}.${method}`;
  }

  private checkAlive(method: string): void {
    if (this.destroyed) throw new Error(`${this.where(method)}: the environment was destroyed`);
  }

  /** Starts a new episode everywhere; returns the first observations (numEnvs x observationSize). */
  async reset(): Promise<Float32Array> {
    const obs = new Float32Array(playersOf(this.spec) * this.numEnvs * this.spec.observationSize);
    this.resetInto(obs);
    return obs;
  }

  /** Synchronous reset into a caller's array of numEnvs x observationSize (two players: numEnvs x 2 x observationSize). */
  resetInto(obs: Float32Array): void {
    this.checkAlive('reset');
    this.checkArray('reset', 'obs', obs, Float32Array, playersOf(this.spec) * this.numEnvs * this.spec.observationSize);
    this.batch.reset(obs);
    this.episodeSteps.fill(0);
    this.started = true;
  }

  async step(actions: Int32Array | Float32Array): Promise<StepResult> {
    const out = allocateStepResult(this.spec, this.numEnvs);
    this.stepInto(actions, out);
    return out;
  }

  /**
   * One synchronous step of every environment into the caller's arrays (allocate them once with
   * allocateStepResult): out.finalObs gets the observation reached, out.obs the same or, where the episode ended,
   * the first observation of the next one. Throws (changing nothing) on invalid actions or arrays.
   */
  stepInto(actions: Int32Array | Float32Array, out: StepResult): void {
    this.checkAlive('step');
    if (!this.started) throw new Error(`${this.where('step')}: call reset() (or setState()) before step()`);
    const n = this.numEnvs;
    const players = playersOf(this.spec);
    validateActions(this.where('step'), this.spec.action, players * n, actions);
    const obsLength = players * n * this.spec.observationSize;
    this.checkArray('stepInto', 'out.obs', out.obs, Float32Array, obsLength);
    this.checkArray('stepInto', 'out.finalObs', out.finalObs, Float32Array, obsLength);
    this.checkArray('stepInto', 'out.reward', out.reward, Float32Array, players * n);
    this.checkArray('stepInto', 'out.terminated', out.terminated, Uint8Array, n);
    this.checkArray('stepInto', 'out.truncated', out.truncated, Uint8Array, n);

    out.terminated.fill(0);
    out.truncated.fill(0);
    const view = this.batchOut;
    view.obs = out.finalObs;
    view.reward = this.zeroSumReward ?? out.reward;
    view.terminated = out.terminated;
    view.truncated = out.truncated;
    this.batch.step(actions, view);
    if (this.zeroSumReward) {
      for (let i = 0; i < n; i++) {
        out.reward[2 * i] = this.zeroSumReward[i]!;
        out.reward[2 * i + 1] = -this.zeroSumReward[i]!;
      }
    }

    const limit = this.spec.maxEpisodeSteps;
    const ended = this.ended;
    let anyEnded = false;
    for (let i = 0; i < n; i++) {
      const steps = this.episodeSteps[i]! + 1;
      const terminated = out.terminated[i] ? 1 : 0;
      const truncated = out.truncated[i] || steps >= limit ? 1 : 0;
      out.terminated[i] = terminated;
      out.truncated[i] = truncated;
      ended[i] = terminated | truncated;
      this.episodeSteps[i] = ended[i] ? 0 : steps;
      anyEnded ||= ended[i] === 1;
    }
    out.obs.set(out.finalObs);
    if (anyEnded) this.batch.reset(out.obs, ended);
  }

  /** The masks of the current observations (see VecEnv), asked of the batch on each read. */
  get lastActionMask(): Float32Array | null {
    if (!this.spec.actionMask || !this.started || this.destroyed) return null;
    const out = new Float32Array(this.numEnvs * categoricalHeads(this.spec.action)!.reduce((a, b) => a + b, 0));
    this.actionMaskInto(out);
    return out;
  }

  /**
   * The action masks of the current observations into `out` (numEnvs x Σ nvec, row-major), from the batch's
   * actionMask; throws, naming the environment and head, on a value other than 0/1 or a head with nothing allowed.
   */
  actionMaskInto(out: Float32Array): void {
    this.checkAlive('actionMask');
    if (!this.spec.actionMask) throw new Error(`${this.where('actionMask')}: the environment '${this.spec.id}' gives no action masks (its definition has no actionMask: true)`);
    out.fill(0);
    this.batch.actionMask!(out);
    validateActionMask(this.where('actionMask'), this.spec.action, this.numEnvs, out);
  }

  /** Overwrites every environment's state (numEnvs x stateSize, row-major) and restarts its step count. */
  setState(state: Float32Array): void {
    this.checkAlive('setState');
    const stateSize = this.requireStateSupport('setState', 'setState');
    validateState(this.where('setState'), state, this.numEnvs, stateSize, this.definition.stateNames);
    this.batch.setState!(state);
    this.episodeSteps.fill(0);
    this.started = true;
  }

  async getState(): Promise<Float32Array> {
    this.checkAlive('getState');
    const stateSize = this.requireStateSupport('getState', 'getState');
    const state = this.batch.getState!();
    this.checkArray('getState', `the batch's getState() result`, state, Float32Array, this.numEnvs * stateSize);
    return state;
  }

  destroy(): void {
    this.destroyed = true;
  }

  private requireStateSupport(method: string, fn: 'getState' | 'setState'): number {
    const stateSize = this.definition.stateSize;
    if (typeof this.batch[fn] !== 'function' || stateSize === undefined) {
      throw new Error(
        `${this.where(method)}: the JavaScript environment '${this.spec.id}' does not support ${fn}; its definition needs ` +
          `stateSize and its batch a ${fn}() method`,
      );
    }
    return stateSize;
  }

  private checkArray(method: string, field: string, value: unknown, type: Float32ArrayConstructor | Uint8ArrayConstructor, length: number): void {
    if (!(value instanceof type) || value.length !== length) {
      throw new EnvInputError(this.where(method), field, describeValue(value), `a ${type.name} of length ${length}`);
    }
  }
}
