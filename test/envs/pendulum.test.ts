/**
 * Pendulum-v1 on the GPU against the float64 transcription of Gymnasium's pendulum.py.
 * Tolerance atol 1e-5 + rtol 1e-5 per step from the same f32 state: a few f32 operations on values of order
 * 1-10 (the angle is not wrapped; angle_normalize of |theta| up to 12 loses about 1e-6 in f32).
 * Pendulum never terminates; actions beyond [-2, 2] are clipped by the environment (as in Gymnasium).
 */
import { describeEnvSuite } from './suite.js';
import { pendulumReference } from '../../reference/envs/pendulum.js';

describeEnvSuite({
  spec: {
    id: 'Pendulum-v1',
    observationSize: 3,
    action: { type: 'box', size: 1, low: [-2], high: [2] },
    maxEpisodeSteps: 200,
    rewardThreshold: null,
  },
  stateNames: ['theta', 'theta_dot'],
  ref: pendulumReference,
  tolerance: { atol: 1e-5, rtol: 1e-5 },
  exactTermination: true,
  terminates: false,
  randomState: (r) => [(r() * 2 - 1) * 12, (r() * 2 - 1) * 8.5],
  randomAction: (r) => [(r() * 2 - 1) * (r() < 0.25 ? 4 : 2)],
  edgeCases() {
    const states: number[][] = [];
    const actions: number[][] = [];
    for (const action of [-3, -2, -1e-3, 0, 1.5, 2, 7]) {
      // The speed limit (+-8 after the update) and angle_normalize's jumps at odd multiples of pi.
      for (const state of [
        [0.5, 7.9],
        [-0.5, -7.9],
        [2, 8],
        [-2, -8],
        [Math.PI, 0],
        [-Math.PI, 0.3],
        [3 * Math.PI, -1],
        [-5 * Math.PI, 1],
        [0, 0],
      ]) {
        states.push(state);
        actions.push([action]);
      }
    }
    return { states, actions };
  },
  safeState: [1, 0.5],
  safeAction: [0.5],
  survive: { seed: 1, policy: () => [0] },
});
