/**
 * Acrobot-v1 on the GPU against the float64 transcription of Gymnasium's acrobot.py.
 * Tolerance: atol 2e-5 + rtol 2e-5, plus, per element, how far the float64 step itself moves when one input
 * component moves by 6e-7 relative (about ten f32 ulps). Why: one step is four evaluations of the dynamics with
 * terms of order 10^3 (products of velocities up to 9 pi) that largely cancel, over dt = 0.2, so at fast states the
 * step amplifies rounding a lot: a float64 step from inputs perturbed by half an f32 ulp moves by up to 4e-3, and
 * a float32 emulation of the same formulas in JavaScript is off by up to 3.6e-3. At typical states the allowance
 * stays near 1e-6 (a 1e-4 relative error in one term of the dynamics fails this test). Angles are compared
 * modulo 2 pi only within 1e-3 of +-pi (where the wrap may go either way); right at the termination height either flag
 * is accepted (the GPU evaluates the height with f32 cos).
 */
import { describeEnvSuite } from './suite.js';
import { acrobotReference, MAX_VEL_1, MAX_VEL_2 } from '../../reference/envs/acrobot.js';
import { f32Around, terminationCrossing } from './helpers.js';

describeEnvSuite({
  spec: {
    id: 'Acrobot-v1',
    observationSize: 6,
    action: { type: 'discrete', n: 3 },
    maxEpisodeSteps: 500,
    rewardThreshold: -100,
  },
  stateNames: ['theta1', 'theta2', 'dtheta1', 'dtheta2'],
  ref: acrobotReference,
  tolerance: { atol: 2e-5, rtol: 2e-5 },
  inputPerturbation: 6e-7,
  exactTermination: false,
  terminates: true,
  randomState: (r) => [(r() * 2 - 1) * Math.PI, (r() * 2 - 1) * Math.PI, (r() * 2 - 1) * MAX_VEL_1, (r() * 2 - 1) * MAX_VEL_2],
  randomAction: (r) => Math.floor(r() * 3),
  edgeCases() {
    const states: number[][] = [];
    const actions: number[] = [];
    const add = (state: number[], action: number) => {
      states.push(state);
      actions.push(action);
    };
    // One step carries the tip across the height 1 (bisected on theta1), from several joint angles and speeds.
    for (const theta2 of [-1.5, -0.5, 0, 0.5, 1.5]) {
      for (const dtheta1 of [-1, 0, 1]) {
        for (const action of [0, 1, 2]) {
          for (const [lo, hi] of [[0.5, 3.1], [-3.1, -0.5]] as const) {
            const base = [0, theta2, dtheta1, 0.3];
            const cross = terminationCrossing(acrobotReference, base, 0, lo, hi, action);
            if (cross === undefined) continue;
            for (const t of f32Around(cross, [-1e-2, -1e-3, 1e-3, 1e-2])) add([t, theta2, dtheta1, 0.3], action);
          }
        }
      }
    }
    // Velocity bounds: at and beyond +-4 pi and +-9 pi; angles at +-pi where the step wraps them.
    for (const s of [-1, 1]) {
      add([0.3, -0.2, s * MAX_VEL_1, 0], 2);
      add([0.3, -0.2, 0, s * MAX_VEL_2], 0);
      add([-0.3, 0.2, s * MAX_VEL_1, s * MAX_VEL_2], 1);
      add([s * Math.fround(Math.PI), s * 3.1, s * 2, s * 3], 1);
      add([s * 3.0, -s * 3.0, s * 5, -s * 20], 2);
    }
    return { states, actions };
  },
  safeState: [0.05, -0.05, 0, 0],
  safeAction: 1,
  terminatingState: [3, 0, 0, 0],
  survive: { seed: 4, policy: () => 1 },
});
