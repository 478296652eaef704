/**
 * The shape of the float64 references of the built-in environments: straight transcriptions of Gymnasium's
 * Python, stepping one environment in place (no allocation per step, so the benchmark's CPU baseline is fair).
 */
import type { HostRng } from '../../shaders/rng.js';

export interface ReferenceOutcome {
  reward: number;
  terminated: boolean;
}

export interface ReferenceEnv {
  id: string;
  stateSize: number;
  observationSize: number;
  /** Writes the first state of an episode, drawn from `rng` as the GPU environment draws it. */
  reset(rng: HostRng, state: Float64Array): void;
  /**
   * Advances `state` one step under `action` (an index, or the components of a box action). Environments whose
   * step draws randomness (stepDraws) take `rng`: the step generator as the engine creates it (stepRng).
   */
  step(state: Float64Array, action: number | ArrayLike<number>, out: ReferenceOutcome, rng?: HostRng): void;
  /** True when step() draws from `rng` (it must then be given). */
  stepDraws?: boolean;
  observe(state: ArrayLike<number>, obs: Float64Array | Float32Array): void;
  /** Gymnasium's termination test of a state (false for environments that never terminate). */
  terminal(state: ArrayLike<number>): boolean;
  /** Indices of state components that are angles (within 1e-3 of +-pi, where a wrap may go either way, compared modulo 2 pi). */
  angleComponents?: readonly number[];
}

export function actionIndex(action: number | ArrayLike<number>): number {
  return typeof action === 'number' ? action : action[0]!;
}

export function actionValue(action: number | ArrayLike<number>): number {
  return typeof action === 'number' ? action : action[0]!;
}
