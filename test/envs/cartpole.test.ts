/**
 * CartPole-v1 on the GPU against the float64 transcription of Gymnasium's cartpole.py.
 * Tolerance atol 1e-5 + rtol 1e-5 per step from the same f32 state: one Euler step is a handful of f32
 * operations (sin, cos of shaders/trig.ts: about 1 ulp) on values of order 1-10, so the f32 result is within ~1e-6.
 */
import { describeEnvSuite } from './suite.js';
import { cartPoleReference, theta_threshold_radians, x_threshold } from '../../reference/envs/cartpole.js';
import { f32Around, terminationCrossing } from './helpers.js';

const X = x_threshold;
const THETA = theta_threshold_radians;

describeEnvSuite({
  spec: {
    id: 'CartPole-v1',
    observationSize: 4,
    action: { type: 'discrete', n: 2 },
    maxEpisodeSteps: 500,
    rewardThreshold: 475,
  },
  stateNames: ['x', 'x_dot', 'theta', 'theta_dot'],
  ref: cartPoleReference,
  tolerance: { atol: 1e-5, rtol: 1e-5 },
  exactTermination: true,
  terminates: true,
  randomState: (r) => [(r() * 2 - 1) * 2.6, (r() * 2 - 1) * 3, (r() * 2 - 1) * 0.26, (r() * 2 - 1) * 3.5],
  randomAction: (r) => (r() < 0.5 ? 0 : 1),
  edgeCases() {
    const states: number[][] = [];
    const actions: number[] = [];
    const add = (state: number[], action: number) => {
      states.push(state);
      actions.push(action);
    };
    // Exactly at the thresholds (as f32) and at rest along them: f32(2.4) > 2.4, so x = f32(2.4) terminates.
    for (const sx of [-1, 1]) {
      for (const x of f32Around(sx * X, [])) add([x, 0, 0, 0], 1);
      for (const theta of f32Around(sx * THETA, [])) add([0, 0, theta, 0], 0);
    }
    // Where one step carries x or theta across the threshold, for several velocities and both actions.
    for (const velocity of [-2, -0.5, -0.01, 0.01, 0.5, 2]) {
      for (const action of [0, 1]) {
        for (const side of [-1, 1]) {
          const xCross = terminationCrossing(cartPoleReference, [0, velocity, 0.01, 0.1], 0, side * 2.2, side * 2.6, action);
          if (xCross !== undefined) for (const x of f32Around(xCross, [-1e-3, -1e-4, 1e-4, 1e-3])) add([x, velocity, 0.01, 0.1], action);
          const tCross = terminationCrossing(cartPoleReference, [0.1, 0.2, 0, velocity], 2, side * 0.15, side * 0.26, action);
          if (tCross !== undefined) for (const t of f32Around(tCross, [-1e-3, -1e-4, 1e-4, 1e-3])) add([0.1, 0.2, t, velocity], action);
        }
      }
    }
    return { states, actions };
  },
  safeState: [0.01, 0.02, 0.01, -0.02],
  safeAction: 1,
  terminatingState: [2.39, 1, 0, 0],
  survive: { seed: 3, policy: (obs) => (obs[2]! + 0.5 * obs[3]! > 0 ? 1 : 0) },
});
