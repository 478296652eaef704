/**
 * CartPole written as a JavaScript environment: the same physics as the GPU CartPole-v1 (Gymnasium's
 * cartpole.py), computed in float64 and stored in float32 after every step, with its resets drawn from the same
 * counter-based generator under the same conventions (stream envReset, index n, counter = episode number). From
 * the same seed and actions it follows the GPU environment step for step (up to float32 rounding of the
 * intermediate values on the GPU). It shows the batched interface of JsEnvBatch over flat arrays, and serves as a
 * test of JsVecEnv against GpuVecEnv.
 *
 * Register it with defineJsEnv(jsCartPoleDefinition); its id is 'JsCartPole-v1'.
 */
import { RngStream, rngHost } from '../../../shaders/rng.js';
import type { JsEnvBatch, JsEnvDefinitionInput, JsEnvStepOutput } from '../jsEnv.js';

const GRAVITY = 9.8;
const MASS_CART = 1.0;
const MASS_POLE = 0.1;
const TOTAL_MASS = MASS_POLE + MASS_CART;
const HALF_LENGTH = 0.5;
const POLE_MASS_LENGTH = MASS_POLE * HALF_LENGTH;
const FORCE_MAG = 10.0;
const TAU = 0.02;
const X_THRESHOLD = 2.4;
const THETA_THRESHOLD = (12 * 2 * Math.PI) / 360;

/** numEnvs cart-poles; state [x, x_dot, theta, theta_dot] per environment, row-major. */
class CartPoleBatch implements JsEnvBatch {
  private readonly state: Float32Array;
  private readonly episode: Uint32Array;

  constructor(
    private readonly numEnvs: number,
    private readonly seed: number,
  ) {
    this.state = new Float32Array(numEnvs * 4);
    this.episode = new Uint32Array(numEnvs);
  }

  reset(obs: Float32Array, mask?: Uint8Array): void {
    for (let n = 0; n < this.numEnvs; n++) {
      if (mask && !mask[n]) continue;
      const rng = rngHost.create(this.seed, RngStream.envReset, n, this.episode[n]!);
      this.episode[n] = this.episode[n]! + 1;
      for (let k = 0; k < 4; k++) {
        this.state[4 * n + k] = rng.uniform(-0.05, 0.05);
        obs[4 * n + k] = this.state[4 * n + k]!;
      }
    }
  }

  step(actions: Int32Array | Float32Array, out: JsEnvStepOutput): void {
    const s = this.state;
    for (let n = 0; n < this.numEnvs; n++) {
      const i = 4 * n;
      const x = s[i]!;
      const xDot = s[i + 1]!;
      const theta = s[i + 2]!;
      const thetaDot = s[i + 3]!;
      const force = actions[n] === 1 ? FORCE_MAG : -FORCE_MAG;
      const cos = Math.cos(theta);
      const sin = Math.sin(theta);
      const temp = (force + POLE_MASS_LENGTH * thetaDot * thetaDot * sin) / TOTAL_MASS;
      const thetaAcc = (GRAVITY * sin - cos * temp) / (HALF_LENGTH * (4 / 3 - (MASS_POLE * cos * cos) / TOTAL_MASS));
      const xAcc = temp - (POLE_MASS_LENGTH * thetaAcc * cos) / TOTAL_MASS;
      s[i] = x + TAU * xDot;
      s[i + 1] = xDot + TAU * xAcc;
      s[i + 2] = theta + TAU * thetaDot;
      s[i + 3] = thetaDot + TAU * thetaAcc;
      for (let k = 0; k < 4; k++) out.obs[i + k] = s[i + k]!;
      out.reward[n] = 1;
      const nx = s[i]!;
      const nt = s[i + 2]!;
      out.terminated[n] = nx < -X_THRESHOLD || nx > X_THRESHOLD || nt < -THETA_THRESHOLD || nt > THETA_THRESHOLD ? 1 : 0;
    }
  }

  getState(): Float32Array {
    return this.state.slice();
  }

  setState(state: Float32Array): void {
    this.state.set(state);
  }
}

export const jsCartPoleDefinition: JsEnvDefinitionInput = {
  id: 'JsCartPole-v1',
  observationSize: 4,
  action: { type: 'discrete', n: 2 },
  maxEpisodeSteps: 500,
  rewardThreshold: 475,
  stateSize: 4,
  stateNames: ['x', 'x_dot', 'theta', 'theta_dot'],
  create: ({ numEnvs, seed }) => new CartPoleBatch(numEnvs, seed),
};
