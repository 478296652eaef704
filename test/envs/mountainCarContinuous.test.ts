/**
 * MountainCarContinuous-v0 on the GPU against the float64 transcription of Gymnasium's
 * continuous_mountain_car.py. Tolerance atol 5e-7 + rtol 1e-6 per step from the same f32 state, as for
 * MountainCar (the reward 100 - 0.1 a^2 is within a few f32 ulps of 100). Actions beyond [-1, 1] are passed
 * unclipped: the force is clipped, the reward uses the raw action, as in Gymnasium.
 */
import { describeEnvSuite } from './suite.js';
import { goal_position, mountainCarContinuousReference } from '../../reference/envs/mountainCarContinuous.js';
import { f32Around, terminationCrossing } from './helpers.js';

describeEnvSuite({
  spec: {
    id: 'MountainCarContinuous-v0',
    observationSize: 2,
    action: { type: 'box', size: 1, low: [-1], high: [1] },
    maxEpisodeSteps: 999,
    rewardThreshold: 90,
  },
  stateNames: ['position', 'velocity'],
  ref: mountainCarContinuousReference,
  tolerance: { atol: 5e-7, rtol: 1e-6 },
  exactTermination: true,
  terminates: true,
  randomState: (r) => [r() < 0.5 ? 0.3 + r() * 0.32 : -1.25 + r() * 1.87, (r() * 2 - 1) * 0.075],
  // Mostly inside [-1, 1], a quarter up to 3 in size (clipped force, raw action in the reward).
  randomAction: (r) => [(r() * 2 - 1) * (r() < 0.25 ? 3 : 1)],
  edgeCases() {
    const states: number[][] = [];
    const actions: number[][] = [];
    const add = (state: number[], action: number) => {
      states.push(state);
      actions.push([action]);
    };
    for (const action of [-5, -1, -0.3, 0, 0.7, 1, 2.5]) {
      for (const velocity of [0.001, 0.01, 0.04, 0.07]) {
        const cross = terminationCrossing(mountainCarContinuousReference, [0, velocity], 0, 0.25, goal_position + 0.001, [action]);
        if (cross !== undefined) for (const p of f32Around(cross, [-1e-4, -1e-6, 1e-6, 1e-4])) add([p, velocity], action);
      }
      for (const position of [0.45, 0.5, 0.58]) {
        const cross = terminationCrossing(mountainCarContinuousReference, [position, 0], 1, -0.01, 0.01, [action]);
        if (cross !== undefined) for (const v of f32Around(cross, [-1e-5, -1e-7, 1e-7, 1e-5])) add([position, v], action);
      }
      add([-1.19, -0.05], action);
      add([Math.fround(-1.2), -0.001], action);
      add([Math.fround(-1.2), 0.002], action);
      add([-0.5, 0.07], action);
      add([-0.5, -0.07], action);
      add([0.6, 0.07], action);
    }
    return { states, actions };
  },
  safeState: [-0.5, 0],
  safeAction: [0],
  terminatingState: [0.5, 0.01],
  survive: { seed: 2, policy: () => [0] },
});
