/**
 * MountainCar-v0 on the GPU against the float64 transcription of Gymnasium's mountain_car.py.
 * Tolerance atol 5e-7 + rtol 1e-6 per step from the same f32 state: positions are of order 1 (f32 ulp 1.2e-7)
 * and velocities at most 0.07, changed by 0.001 force and 0.0025 cos terms, so f32 results are within a few ulps;
 * the tolerance is far below the size of either term (a 1% error in the force fails).
 */
import { describeEnvSuite } from './suite.js';
import { goal_position, mountainCarReference } from '../../reference/envs/mountainCar.js';
import { f32Around, terminationCrossing } from './helpers.js';

describeEnvSuite({
  spec: {
    id: 'MountainCar-v0',
    observationSize: 2,
    action: { type: 'discrete', n: 3 },
    maxEpisodeSteps: 200,
    rewardThreshold: -110,
  },
  stateNames: ['position', 'velocity'],
  ref: mountainCarReference,
  tolerance: { atol: 5e-7, rtol: 1e-6 },
  exactTermination: true,
  terminates: true,
  // Half of the states near the goal, half over the whole valley (beyond both clipping bounds a little).
  randomState: (r) => [r() < 0.5 ? 0.35 + r() * 0.27 : -1.25 + r() * 1.87, (r() * 2 - 1) * 0.075],
  randomAction: (r) => Math.floor(r() * 3),
  edgeCases() {
    const states: number[][] = [];
    const actions: number[] = [];
    const add = (state: number[], action: number) => {
      states.push(state);
      actions.push(action);
    };
    for (const action of [0, 1, 2]) {
      // Reaching position 0.5 (bisected on the position) at several speeds.
      for (const velocity of [0.001, 0.01, 0.03, 0.07]) {
        const cross = terminationCrossing(mountainCarReference, [0, velocity], 0, 0.3, goal_position + 0.001, action);
        if (cross !== undefined) for (const p of f32Around(cross, [-1e-4, -1e-6, 1e-6, 1e-4])) add([p, velocity], action);
      }
      // Past the goal with the velocity crossing 0 (bisected on the velocity).
      for (const position of [0.5, 0.52, 0.58]) {
        const cross = terminationCrossing(mountainCarReference, [position, 0], 1, -0.01, 0.01, action);
        if (cross !== undefined) for (const v of f32Around(cross, [-1e-5, -1e-7, 1e-7, 1e-5])) add([position, v], action);
      }
      // The left wall: hitting -1.2 with negative velocity stops the car; at -1.2 moving right it leaves.
      add([-1.19, -0.05], action);
      add([Math.fround(-1.2), -0.001], action);
      add([Math.fround(-1.2), 0], action);
      add([Math.fround(-1.2), 0.002], action);
      // The speed limit, both ways, and the right wall.
      add([-0.5, 0.07], action);
      add([-0.5, -0.07], action);
      add([0.59, 0.069], action);
      add([0.6, 0.07], action);
    }
    return { states, actions };
  },
  safeState: [-0.5, 0],
  safeAction: 1,
  terminatingState: [0.55, 0.01],
  survive: { seed: 9, policy: () => 1 },
});
