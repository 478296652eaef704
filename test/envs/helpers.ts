/**
 * Shared checks of a GPU environment against its float64 reference (reference/envs).
 *
 * One step from given f32 states: the GPU's next state (or, for environments whose episode ended, its final
 * observation) must be within tolerance of the reference stepping the same f32 state in float64; the termination
 * flag must be identical wherever the reference's next state is not within tolerance of a termination boundary
 * (moving its components by the tolerance flips the test), and where it is, the flag must agree with Gymnasium's test
 * applied to the GPU's own next state (exactTermination) or may go either way. Environments that ended must hold
 * the exact first state of their next episode.
 */
import { expect } from 'vitest';
import { RngStream, rngHost } from '../../shaders/rng.js';
import type { Gpu } from '../../src/gpu/device.js';
import { GpuVecEnv } from '../../src/envs/gpuEnv.js';
import type { GpuEnvDefinition } from '../../src/envs/spec.js';
import type { ReferenceEnv, ReferenceOutcome } from '../../reference/envs/types.js';
import { expectClose, type Tolerance } from '../helpers/random.js';

export interface StepCheckOptions {
  tolerance: Tolerance;
  seed?: number;
  /** The GPU's termination flag equals Gymnasium's float64 test on the GPU's own f32 next state (obs = state). */
  exactTermination?: boolean;
  /**
   * For ill-conditioned dynamics: also allow, per element, the change of the float64 reference's result when any
   * one input component moves by this relative amount (a few f32 ulps). The GPU's result must then be the exact
   * step of an input within f32 rounding, plus the base tolerance.
   */
  inputPerturbation?: number;
}

export interface StepCheckSummary {
  numEnvs: number;
  terminated: number;
  /** Environments whose reference next state lies within tolerance of a termination boundary. */
  ambiguous: number;
}

/**
 * True when moving the components of `state` by up to the tolerance (each by -d, 0 or +d, all 3^k combinations)
 * changes Gymnasium's termination test.
 */
export function nearBoundary(ref: ReferenceEnv, state: Float64Array, tolerance: Tolerance): boolean {
  const base = ref.terminal(state);
  const k = state.length;
  const probe = new Float64Array(k);
  for (let combo = 0; combo < 3 ** k; combo++) {
    let code = combo;
    for (let j = 0; j < k; j++) {
      const sign = (code % 3) - 1;
      code = Math.floor(code / 3);
      probe[j] = state[j]! + sign * 2 * (tolerance.atol + tolerance.rtol * Math.abs(state[j]!));
    }
    if (ref.terminal(probe) !== base) return true;
  }
  return false;
}

/**
 * Per output element (next state, observation, reward), the largest change of the reference's step when one
 * component of `state` moves by +-(relative * |component| + relative).
 */
function sensitivity(
  ref: ReferenceEnv,
  state: ArrayLike<number>,
  action: number | ArrayLike<number>,
  relative: number,
): { state: Float64Array; obs: Float64Array; reward: number } {
  const outcome: ReferenceOutcome = { reward: 0, terminated: false };
  const base = Float64Array.from(state);
  ref.step(base, action, outcome);
  const baseReward = outcome.reward;
  const baseObs = new Float64Array(ref.observationSize);
  ref.observe(base, baseObs);
  const result = { state: new Float64Array(ref.stateSize), obs: new Float64Array(ref.observationSize), reward: 0 };
  const probe = new Float64Array(ref.stateSize);
  const probeObs = new Float64Array(ref.observationSize);
  for (let k = 0; k < ref.stateSize; k++) {
    for (const sign of [-1, 1]) {
      probe.set(state);
      probe[k] = probe[k]! + sign * relative * (Math.abs(probe[k]!) + 1);
      ref.step(probe, action, outcome);
      ref.observe(probe, probeObs);
      for (let j = 0; j < ref.stateSize; j++) {
        const angle = ref.angleComponents?.includes(j);
        const d = Math.abs(angle ? nearestAngle(probe[j]!, base[j]!) - base[j]! : probe[j]! - base[j]!);
        result.state[j] = Math.max(result.state[j]!, d);
      }
      for (let j = 0; j < ref.observationSize; j++) result.obs[j] = Math.max(result.obs[j]!, Math.abs(probeObs[j]! - baseObs[j]!));
      if (outcome.terminated === ref.terminal(base)) result.reward = Math.max(result.reward, Math.abs(outcome.reward - baseReward));
    }
  }
  return result;
}

/** Fails naming the worst element when |got - want| > atol + rtol |want| + extra[i] anywhere. */
function expectWithin(got: ArrayLike<number>, want: ArrayLike<number>, extra: ArrayLike<number>, tolerance: Tolerance, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < want.length; i++) {
    const allowed = tolerance.atol + tolerance.rtol * Math.abs(want[i]!) + extra[i]!;
    const error = Math.abs(got[i]! - want[i]!);
    const excess = Number.isNaN(error) ? Infinity : error - allowed;
    if (excess > worstExcess) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(
      `${what}: element ${worst} is ${got[worst]}, reference ${want[worst]}, off by ${Math.abs(got[worst]! - want[worst]!)} > ` +
        `atol ${tolerance.atol} + rtol ${tolerance.rtol} * |ref| + input sensitivity ${extra[worst]}`,
    );
  }
}

/** Moves `value` by a multiple of 2 pi to the representative closest to `target`. */
function nearestAngle(value: number, target: number): number {
  const twoPi = 2 * Math.PI;
  return value + twoPi * Math.round((target - value) / twoPi);
}

function actionOf(actions: Int32Array | Float32Array, i: number, size: number): number | Float32Array {
  return actions instanceof Int32Array ? actions[i]! : actions.subarray(i * size, (i + 1) * size);
}

/** The first state of episode `episode` of environment `index`, as the engine draws it (f32). */
export function referenceReset(ref: ReferenceEnv, seed: number, index: number, episode: number): Float32Array {
  const state = new Float64Array(ref.stateSize);
  ref.reset(rngHost.create(seed, RngStream.envReset, index, episode), state);
  return Float32Array.from(state);
}

/**
 * Places `states` (numEnvs x stateSize) with setState, takes one step under `actions` and checks everything the
 * step returned and left against the reference.
 */
export async function checkStepAgainstReference(
  gpu: Gpu,
  definition: GpuEnvDefinition,
  ref: ReferenceEnv,
  states: Float32Array,
  actions: Int32Array | Float32Array,
  options: StepCheckOptions,
): Promise<StepCheckSummary> {
  const { tolerance } = options;
  const seed = options.seed ?? 7;
  const S = ref.stateSize;
  const O = ref.observationSize;
  const N = states.length / S;
  const actionSize = definition.action.type === 'box' ? definition.action.size : 1;
  const env = await GpuVecEnv.create(gpu, definition, { numEnvs: N, seed });
  try {
    await env.setState(states);
    const result = await env.step(actions);
    const after = await env.getState();

    const refState = new Float64Array(S);
    const refObs = new Float64Array(O);
    const outcome: ReferenceOutcome = { reward: 0, terminated: false };
    const gotState: number[] = [];
    const wantState: number[] = [];
    const extraState: number[] = [];
    const gotReward: number[] = [];
    const wantReward: number[] = [];
    const extraReward: number[] = [];
    const wantFinalObs = new Float64Array(N * O);
    const extraFinalObs = new Float64Array(N * O);
    let terminated = 0;
    let ambiguous = 0;
    for (let i = 0; i < N; i++) {
      for (let s = 0; s < S; s++) refState[s] = states[i * S + s]!;
      const extra = options.inputPerturbation
        ? sensitivity(ref, refState, actionOf(actions, i, actionSize), options.inputPerturbation)
        : { state: new Float64Array(S), obs: new Float64Array(O), reward: 0 };
      extraFinalObs.set(extra.obs, i * O);
      ref.step(refState, actionOf(actions, i, actionSize), outcome);
      ref.observe(refState, refObs);
      wantFinalObs.set(refObs, i * O);
      const gotTerminated = result.terminated[i] === 1;
      const context = `environment ${i} from state [${Array.from(states.subarray(i * S, (i + 1) * S))}] action ${String(actionOf(actions, i, actionSize))}`;
      expect(result.truncated[i], `${context}: truncated after one step`).toBe(0);
      if (nearBoundary(ref, refState, tolerance)) {
        ambiguous += 1;
        if (options.exactTermination) {
          const gpuNext = result.finalObs.subarray(i * O, (i + 1) * O);
          expect(gotTerminated, `${context}: terminated vs Gymnasium's test on the GPU's next state ${Array.from(gpuNext)}`).toBe(ref.terminal(gpuNext));
        }
      } else {
        expect(gotTerminated, `${context}: terminated (reference next state ${Array.from(refState)})`).toBe(outcome.terminated);
      }
      if (gotTerminated === outcome.terminated) {
        gotReward.push(result.reward[i]!);
        wantReward.push(outcome.reward);
        extraReward.push(extra.reward);
      }
      if (gotTerminated) {
        terminated += 1;
        // Auto-reset: the first state of the next episode (episode 0: the environments were placed, never reset).
        const first = referenceReset(ref, seed, i, 0);
        expect(Array.from(after.subarray(i * S, (i + 1) * S)), `${context}: state after auto-reset`).toEqual(Array.from(first));
        ref.observe(first, refObs);
        expectClose(result.obs.subarray(i * O, (i + 1) * O), refObs, tolerance, `${context}: obs after auto-reset`);
      } else {
        expect(Array.from(result.obs.subarray(i * O, (i + 1) * O)), `${context}: obs = finalObs`).toEqual(
          Array.from(result.finalObs.subarray(i * O, (i + 1) * O)),
        );
        for (let s = 0; s < S; s++) {
          const got = after[i * S + s]!;
          gotState.push(got);
          extraState.push(extra.state[s]!);
          // A wrapped angle within rounding of +-pi may land on either end of [-pi, pi].
          const wrapsEitherWay = ref.angleComponents?.includes(s) && Math.abs(Math.abs(refState[s]!) - Math.PI) < 1e-3;
          wantState.push(wrapsEitherWay ? nearestAngle(refState[s]!, got) : refState[s]!);
        }
      }
    }
    expectWithin(gotState, wantState, extraState, tolerance, `${definition.id}: next states`);
    expectWithin(result.finalObs, wantFinalObs, extraFinalObs, tolerance, `${definition.id}: final observations`);
    expectWithin(gotReward, wantReward, extraReward, tolerance, `${definition.id}: rewards`);
    return { numEnvs: N, terminated, ambiguous };
  } finally {
    env.destroy();
  }
}

/**
 * Bisects (in float64) for the value of state[component] between lo and hi at which one step under `action`
 * starts or stops terminating; undefined when the test does not flip between lo and hi.
 */
export function terminationCrossing(
  ref: ReferenceEnv,
  base: readonly number[],
  component: number,
  lo: number,
  hi: number,
  action: number | ArrayLike<number>,
): number | undefined {
  const outcome: ReferenceOutcome = { reward: 0, terminated: false };
  const terminatesAt = (value: number) => {
    const state = Float64Array.from(base);
    state[component] = value;
    ref.step(state, action, outcome);
    return outcome.terminated;
  };
  const atLo = terminatesAt(lo);
  if (terminatesAt(hi) === atLo) return undefined;
  for (let i = 0; i < 200 && hi - lo > 0; i++) {
    const mid = (lo + hi) / 2;
    if (mid === lo || mid === hi) break;
    if (terminatesAt(mid) === atLo) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** The f32 values around a float64 value x: the f32 nearest, its two neighbours, and x +- the given offsets. */
export function f32Around(x: number, offsets: readonly number[]): number[] {
  const nearest = Math.fround(x);
  const scratch = new Float32Array([nearest]);
  const bits = new Int32Array(scratch.buffer);
  const neighbours: number[] = [nearest];
  for (const step of [-1, 1]) {
    bits[0] = bits[0]! + step;
    neighbours.push(scratch[0]!);
    bits[0] = bits[0]! - step;
  }
  return [...neighbours, ...offsets.map((d) => Math.fround(x + d))];
}

/** Rows (each stateSize long) concatenated into one Float32Array. */
export function rows(list: readonly (readonly number[])[]): Float32Array {
  return Float32Array.from(list.flat());
}
