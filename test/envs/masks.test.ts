/**
 * Multi-discrete actions and action masks end to end, on a corridor game written twice (WGSL through defineGpuEnv,
 * JavaScript through defineJsEnv): a move (left, stay, right) and a button (wait, press) at once; moving off either
 * end and pressing away from the goal are masked. Checked: every action the rollout stored is allowed by the mask
 * stored with it, and that mask is the game's for the stored observation (GPU and JS); the typed-array VecEnv
 * takes one index per head; act and actSync never choose a masked action and agree; evaluation applies the masks;
 * a state with nothing allowed in a head is an error naming the environment and index (training on either kind,
 * evaluation, act). TRPO trains on the masked multi-discrete game too: its stored actions obey the masks and
 * every iteration's batch KL stays within max_kl.
 */
import { describe, expect, test } from 'vitest';
import { createTrainer, CpuPolicy, loadPolicy, exportPolicy } from '../../src/index.js';
import { createEnv } from '../../src/envs/create.js';
import { EnvInputError } from '../../src/envs/errors.js';
import type { JsEnvBatch, JsEnvCreateOptions, JsEnvStepOutput } from '../../src/envs/jsEnv.js';
import { defineGpuEnv, defineJsEnv } from '../../src/envs/registry.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import type { Trainer } from '../../src/trainer.js';
import { gpuTest } from '../helpers/gpu.js';
import { seededRandom } from '../helpers/random.js';

const CELLS = 5;
/** Observation: one-hot position, then one-hot goal. */
const OBS = 2 * CELLS;
/** Logits: move (left, stay, right), then button (wait, press). */
const LOGITS = 5;

/** The game's mask for a position and goal (the WGSL's env_action_mask and the JS actionMask). */
function corridorMask(pos: number, goal: number): number[] {
  return [pos > 0 ? 1 : 0, 1, pos < CELLS - 1 ? 1 : 0, 1, pos === goal ? 1 : 0];
}

/** The corridor in WGSL; `emptyFrom` >= 0: from that step of an episode on, the button head allows nothing. */
function corridorWgsl(emptyFrom: number): string {
  return /* wgsl */ `
fn env_reset(rng: ptr<function, Rng>) -> EnvState {
  var s: EnvState;
  s[0] = min(floor(rng_uniform(rng, 0.0, ${CELLS}.0)), ${CELLS - 1}.0);
  s[1] = min(floor(rng_uniform(rng, 0.0, ${CELLS}.0)), ${CELLS - 1}.0);
  s[2] = 0.0;
  return s;
}

fn env_step(state: ptr<function, EnvState>, action: EnvAction, rng: ptr<function, Rng>) -> EnvStep {
  var reward = -0.01;
  if (action[1] == 1u && (*state)[0] == (*state)[1]) {
    reward = 1.0;
    (*state)[1] = min(floor(rng_uniform(rng, 0.0, ${CELLS}.0)), ${CELLS - 1}.0);
  }
  (*state)[0] = clamp((*state)[0] + f32(action[0]) - 1.0, 0.0, ${CELLS - 1}.0);
  (*state)[2] += 1.0;
  return EnvStep(reward, false);
}

fn env_observe(state: ptr<function, EnvState>) -> EnvObs {
  var obs: EnvObs;
  obs[u32((*state)[0])] = 1.0;
  obs[${CELLS}u + u32((*state)[1])] = 1.0;
  return obs;
}

fn env_action_mask(state: ptr<function, EnvState>) -> EnvActionMask {
  let pos = (*state)[0];
  var mask = EnvActionMask(select(0.0, 1.0, pos > 0.0), 1.0, select(0.0, 1.0, pos < ${CELLS - 1}.0), 1.0, select(0.0, 1.0, pos == (*state)[1]));
  if (${emptyFrom} >= 0 && (*state)[2] >= f32(${emptyFrom})) {
    mask[3] = 0.0;
    mask[4] = 0.0;
  }
  return mask;
}
`;
}

const SPEC = { observationSize: OBS, action: { type: 'multiDiscrete' as const, nvec: [3, 2] }, actionMask: true, maxEpisodeSteps: 40, rewardThreshold: null, stateSize: 3 };
defineGpuEnv({ id: 'MaskedCorridor-v0', ...SPEC, wgsl: corridorWgsl(-1) });
defineGpuEnv({ id: 'MaskedCorridorEmpty-v0', ...SPEC, wgsl: corridorWgsl(3) });

/** The corridor in JavaScript; `emptyFrom` as in corridorWgsl. */
class CorridorBatch implements JsEnvBatch {
  readonly pos: Int32Array;
  readonly goal: Int32Array;
  readonly t: Int32Array;
  private readonly random: () => number;
  constructor(
    readonly numEnvs: number,
    seed: number,
    private readonly emptyFrom: number,
  ) {
    this.pos = new Int32Array(numEnvs);
    this.goal = new Int32Array(numEnvs);
    this.t = new Int32Array(numEnvs);
    this.random = seededRandom(seed + 1);
  }
  private observe(obs: Float32Array, n: number): void {
    obs.fill(0, n * OBS, (n + 1) * OBS);
    obs[n * OBS + this.pos[n]!] = 1;
    obs[n * OBS + CELLS + this.goal[n]!] = 1;
  }
  reset(obs: Float32Array, mask?: Uint8Array): void {
    for (let n = 0; n < this.numEnvs; n++) {
      if (mask && !mask[n]) continue;
      this.pos[n] = Math.floor(this.random() * CELLS);
      this.goal[n] = Math.floor(this.random() * CELLS);
      this.t[n] = 0;
      this.observe(obs, n);
    }
  }
  step(actions: Int32Array | Float32Array, out: JsEnvStepOutput): void {
    for (let n = 0; n < this.numEnvs; n++) {
      out.reward[n] = -0.01;
      if (actions[2 * n + 1] === 1 && this.pos[n] === this.goal[n]) {
        out.reward[n] = 1;
        this.goal[n] = Math.floor(this.random() * CELLS);
      }
      this.pos[n] = Math.min(Math.max(this.pos[n]! + actions[2 * n]! - 1, 0), CELLS - 1);
      this.t[n]! += 1;
      this.observe(out.obs, n);
    }
  }
  actionMask(out: Float32Array): void {
    for (let n = 0; n < this.numEnvs; n++) {
      const mask = corridorMask(this.pos[n]!, this.goal[n]!);
      if (this.emptyFrom >= 0 && this.t[n]! >= this.emptyFrom) mask[3] = mask[4] = 0;
      out.set(mask, n * LOGITS);
    }
  }
}

const { stateSize: _stateSize, ...JS_SPEC } = SPEC;
defineJsEnv({ id: 'MaskedCorridorJs-v0', ...JS_SPEC, create: ({ numEnvs, seed }: JsEnvCreateOptions) => new CorridorBatch(numEnvs, seed, -1) });
defineJsEnv({ id: 'MaskedCorridorJsEmpty-v0', ...JS_SPEC, create: ({ numEnvs, seed }: JsEnvCreateOptions) => new CorridorBatch(numEnvs, seed, 3) });

const SMALL = { num_envs: 8, num_steps: 16, num_minibatches: 2, update_epochs: 2, hidden_sizes: [16], seed: 5 };

/** Every stored action allowed by its stored mask, which is the game's mask of the stored observation. */
function checkData(ppo: Trainer['algorithm'], data: Float32Array): { maskedEntries: number } {
  const M = ppo.layout.samples;
  const o = ppo.layout.offsets;
  let maskedEntries = 0;
  for (let s = 0; s < M; s++) {
    const obs = Array.from({ length: OBS }, (_, f) => data[o.obs + f * M + s]!);
    const pos = obs.indexOf(1);
    const goal = obs.indexOf(1, CELLS) - CELLS;
    const mask = Array.from({ length: LOGITS }, (_, j) => data[o.masks + j * M + s]!);
    expect(mask, `sample ${s}: the stored mask is the game's for the stored observation (pos ${pos}, goal ${goal})`).toEqual(corridorMask(pos, goal));
    maskedEntries += mask.filter((v) => v === 0).length;
    const move = data[o.actions + s]!;
    const button = data[o.actions + M + s]!;
    expect(mask[move], `sample ${s}: move ${move} allowed`).toBe(1);
    expect(mask[3 + button], `sample ${s}: button ${button} allowed`).toBe(1);
  }
  return { maskedEntries };
}

describe('multi-discrete actions and action masks', () => {
  for (const [env, algo] of [
    ['MaskedCorridor-v0', 'ppo'],
    ['MaskedCorridorJs-v0', 'ppo'],
    ['MaskedCorridor-v0', 'trpo'],
  ] as const) {
    gpuTest(`${env}, ${algo}: training never takes a masked action, and stores the game's masks`, async (gpu) => {
      const trainer = await createTrainer({ env, ...SMALL, algo }, { gpu });
      try {
        const summary = await trainer.train({ totalSteps: 3 * 8 * 16 });
        expect(summary.iterations).toBe(3);
        if (algo === 'trpo') {
          for (const entry of summary.history) expect(entry.approxKl).toBeLessThanOrEqual(summary.config.max_kl * (1 + 1e-5));
          expect(summary.history.some((entry) => entry.approxKl > 0), 'TRPO moved the policy').toBe(true);
        }
        const ppo = trainer.algorithm;
        const data = await readFloat32(gpu, ppo.state.storage, ppo.layout.floats);
        const { maskedEntries } = checkData(ppo, data);
        expect(maskedEntries, 'the rollout met masked choices').toBeGreaterThan(20);
        const evaluation = await trainer.evaluate({ episodes: 6 });
        expect(evaluation.lengths).toEqual([40, 40, 40, 40, 40, 40]);
        expect(evaluation.returns.every(Number.isFinite)).toBe(true);
      } finally {
        trainer.destroy();
      }
    }, 300_000);
  }

  gpuTest('the typed-array VecEnv takes one index per head and refuses an index out of its head', async (gpu) => {
    const env = await createEnv('MaskedCorridor-v0', { numEnvs: 2, seed: 1, gpu });
    try {
      const obs = await env.reset();
      const pos0 = obs.subarray(0, CELLS).indexOf(1);
      const result = await env.step(Int32Array.from([2, 0, 0, 0]));
      expect(result.obs.subarray(0, CELLS).indexOf(1)).toBe(Math.min(pos0 + 1, CELLS - 1));
      await expect(env.step(Int32Array.from([0, 2, 0, 0]))).rejects.toThrow(/actions\[1\] \(environment 0, head 1\) is 2; expected an action index in \[0, 1\]/);
      await expect(env.step(Int32Array.from([0, 0]))).rejects.toThrow(/actions.length is 2; expected an Int32Array of 4 action indices \(2 environments x 2 heads/);
    } finally {
      env.destroy();
    }
  });

  gpuTest('act and actSync never choose a masked action, agree when deterministic, and refuse bad masks', async (gpu) => {
    const trainer = await createTrainer({ env: 'MaskedCorridor-v0', ...SMALL }, { gpu });
    try {
      await trainer.train({ totalSteps: 8 * 16 });
      const cpu = (await loadPolicy(await exportPolicy(trainer), { backend: 'cpu' })) as CpuPolicy;
      const rows = 200;
      const random = seededRandom(9);
      const obs = new Float32Array(rows * OBS);
      const mask = new Float32Array(rows * LOGITS);
      for (let r = 0; r < rows; r++) {
        const pos = Math.floor(random() * CELLS);
        const goal = Math.floor(random() * CELLS);
        obs[r * OBS + pos] = 1;
        obs[r * OBS + CELLS + goal] = 1;
        mask.set(corridorMask(pos, goal), r * LOGITS);
      }
      const allowed = (actions: Int32Array) => {
        for (let r = 0; r < rows; r++) {
          expect(mask[r * LOGITS + actions[2 * r]!], `row ${r} move`).toBe(1);
          expect(mask[r * LOGITS + 3 + actions[2 * r + 1]!], `row ${r} button`).toBe(1);
        }
      };
      const gpuDeterministic = (await trainer.policy.act(obs, { mask })) as Int32Array;
      const cpuDeterministic = cpu.actSync(obs, { mask }) as Int32Array;
      expect(gpuDeterministic.length).toBe(2 * rows);
      allowed(gpuDeterministic);
      expect([...cpuDeterministic]).toEqual([...gpuDeterministic]);
      allowed((await trainer.policy.act(obs, { mask, deterministic: false })) as Int32Array);
      allowed(cpu.actSync(obs, { mask, deterministic: false }) as Int32Array);
      const empty = mask.slice(0, LOGITS);
      empty[3] = empty[4] = 0;
      // As with bad observations, act refuses before it queues anything (it throws; nothing is sent to the GPU).
      expect(() => trainer.policy.act(obs.subarray(0, OBS), { mask: empty })).toThrow(/mask of observation 0, head 1 is all 0 \(no allowed action\)/);
      expect(() => cpu.actSync(obs.subarray(0, OBS), { mask: Float32Array.from([1, 1, 1, 1, 2]) })).toThrow(/mask\[4\] \(observation 0, head 1, choice 1\) is 2; expected 0 \(not allowed\) or 1/);
      expect(() => cpu.actSync(obs.subarray(0, OBS), { mask: new Float32Array(3) })).toThrow(/mask.length is 3; expected/);
    } finally {
      trainer.destroy();
    }
  }, 120_000);

  gpuTest('a state with nothing allowed in a head stops training and evaluation with an error naming the environment and index', async (gpu) => {
    const trainer = await createTrainer({ env: 'MaskedCorridorEmpty-v0', ...SMALL }, { gpu });
    try {
      await expect(trainer.train({ totalSteps: 8 * 16 })).rejects.toThrow(
        /MaskedCorridorEmpty-v0\.env_action_mask: the mask of environment \d+ in iteration 1 at step 3 is all 0 in a head/,
      );
    } finally {
      trainer.destroy();
    }
    const js = await createTrainer({ env: 'MaskedCorridorJsEmpty-v0', ...SMALL }, { gpu });
    try {
      const error = await js.train({ totalSteps: 8 * 16 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EnvInputError);
      expect(String(error)).toMatch(/MaskedCorridorJsEmpty-v0\.actionMask: mask of environment 0, head 1 is all 0 \(no allowed action\)/);
    } finally {
      js.destroy();
    }
    const evaluator = await createTrainer({ env: 'MaskedCorridorEmpty-v0', ...SMALL }, { gpu });
    try {
      await expect(evaluator.evaluate({ episodes: 3 })).rejects.toThrow(/MaskedCorridorEmpty-v0\.env_action_mask: the mask of evaluation episode 0 at step 3/);
    } finally {
      evaluator.destroy();
    }
  }, 120_000);

  test('a definition that promises masks must define them; nvec and masks are checked', () => {
    expect(() => defineGpuEnv({ id: 'NoMask-v0', ...SPEC, wgsl: corridorWgsl(-1).replace('fn env_action_mask', 'fn other_mask') })).toThrow(/code without fn env_action_mask/);
    expect(() => defineGpuEnv({ id: 'BadNvec-v0', ...SPEC, action: { type: 'multiDiscrete', nvec: [3, 0] }, wgsl: corridorWgsl(-1) })).toThrow(/action\.nvec\[1\] is 0/);
    expect(() => defineJsEnv({ id: 'BoxMask-v0', ...JS_SPEC, action: { type: 'box', size: 1, low: [-1], high: [1] }, create: () => new CorridorBatch(1, 1, -1) })).toThrow(/actionMask is true; expected false\/absent for a box action space/);
  });
});
