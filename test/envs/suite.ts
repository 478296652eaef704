/**
 * The tests every built-in GPU environment must pass, parameterised by its reference and its own state ranges:
 * spec, one step from thousands of random states, termination edges, exact reset draws, the time limit at exactly
 * maxEpisodeSteps (with and without termination on the same step) and one whole episode of maxEpisodeSteps steps.
 */
import { describe, expect } from 'vitest';
import { readBuffer } from '../../src/gpu/readback.js';
import { GpuVecEnv } from '../../src/envs/gpuEnv.js';
import { createEnv } from '../../src/envs/create.js';
import { getEnvDefinition, isGpuEnvDefinition, listEnvs } from '../../src/envs/registry.js';
import type { EnvSpec, GpuEnvDefinition } from '../../src/envs/spec.js';
import type { ReferenceEnv, ReferenceOutcome } from '../../reference/envs/types.js';
import { gpuTest } from '../helpers/gpu.js';
import { expectClose, seededRandom, type Tolerance } from '../helpers/random.js';
import { checkStepAgainstReference, referenceReset, rows } from './helpers.js';

export interface EnvSuite {
  spec: EnvSpec;
  stateNames: string[];
  ref: ReferenceEnv;
  tolerance: Tolerance;
  exactTermination: boolean;
  /** See StepCheckOptions.inputPerturbation (for ill-conditioned dynamics). */
  inputPerturbation?: number;
  /** A state drawn from a range that covers the state space and its termination region. */
  randomState(random: () => number): number[];
  /** A random action in (and for box spaces also beyond) the action space. */
  randomAction(random: () => number): number | number[];
  /** States at the termination edges, with their actions; the check expects both outcomes among them. */
  edgeCases(): { states: number[][]; actions: (number | number[])[] };
  /** A state that does not terminate in one step under action `safeAction`, and one that does (if any). */
  safeState: number[];
  safeAction: number | number[];
  terminatingState?: number[];
  /** A policy that keeps an episode alive for maxEpisodeSteps steps from a reset with the given seed. */
  survive: { seed: number; policy(obs: Float32Array): number | number[] };
  /** Whether random states must produce both terminated and running environments. */
  terminates: boolean;
}

function actionArray(spec: EnvSpec, list: (number | number[])[]): Int32Array | Float32Array {
  return spec.action.type === 'discrete' ? Int32Array.from(list as number[]) : Float32Array.from(list.flat());
}

export function describeEnvSuite(suite: EnvSuite): void {
  const { spec, ref, tolerance } = suite;
  const definition = () => {
    const def = getEnvDefinition(spec.id);
    if (!isGpuEnvDefinition(def)) throw new Error(`${spec.id} is not a GPU environment`);
    return def as GpuEnvDefinition;
  };

  describe(`${spec.id}`, () => {
    gpuTest('spec: id, spaces, episode limit, reward threshold, state layout', async (gpu) => {
      const def = definition();
      expect({
        id: def.id,
        observationSize: def.observationSize,
        action: def.action,
        maxEpisodeSteps: def.maxEpisodeSteps,
        rewardThreshold: def.rewardThreshold,
      }).toEqual(spec);
      expect(def.stateSize).toBe(ref.stateSize);
      expect(def.observationSize).toBe(ref.observationSize);
      expect(def.stateNames).toEqual(suite.stateNames);
      expect(listEnvs().find((e) => e.id === spec.id)).toMatchObject({ ...spec, kind: 'gpu', builtin: true });
      const env = await createEnv(spec.id, { numEnvs: 3, seed: 1, gpu });
      expect(env).toBeInstanceOf(GpuVecEnv);
      expect(env.spec).toEqual(spec);
      expect(env.numEnvs).toBe(3);
      env.destroy();
    });

    gpuTest('one step matches the float64 reference from 4096 random states and actions', async (gpu) => {
      const random = seededRandom(11);
      const N = 4096;
      const states = rows(Array.from({ length: N }, () => suite.randomState(random)));
      const actions = actionArray(spec, Array.from({ length: N }, () => suite.randomAction(random)));
      const summary = await checkStepAgainstReference(gpu, definition(), ref, states, actions, {
        tolerance,
        exactTermination: suite.exactTermination,
        inputPerturbation: suite.inputPerturbation,
      });
      if (suite.terminates) {
        expect(summary.terminated, 'random states that terminate').toBeGreaterThan(N / 50);
        expect(summary.terminated, 'random states that keep running').toBeLessThan(N - N / 50);
      } else {
        expect(summary.terminated).toBe(0);
      }
    });

    gpuTest('termination edges: the flag flips exactly where Gymnasium flips it', async (gpu) => {
      const { states, actions } = suite.edgeCases();
      const summary = await checkStepAgainstReference(gpu, definition(), ref, rows(states), actionArray(spec, actions), {
        tolerance,
        exactTermination: suite.exactTermination,
        inputPerturbation: suite.inputPerturbation,
      });
      if (suite.terminates) {
        expect(summary.terminated, 'edge states that terminate').toBeGreaterThan(0);
        expect(summary.terminated, 'edge states that keep running').toBeLessThan(summary.numEnvs);
      }
    });

    gpuTest('reset draws the first states from the counter-based generator, bit for bit', async (gpu) => {
      const N = 200;
      const seed = 123456789;
      const env = (await createEnv(spec.id, { numEnvs: N, seed, gpu })) as GpuVecEnv;
      for (const episode of [0, 1]) {
        const obs = await env.reset();
        const state = await env.getState();
        const wantObs = new Float64Array(N * ref.observationSize);
        const want = new Float32Array(N * ref.stateSize);
        for (let n = 0; n < N; n++) {
          const first = referenceReset(ref, seed, n, episode);
          want.set(first, n * ref.stateSize);
          ref.observe(first, wantObs.subarray(n * ref.observationSize));
        }
        expect(Array.from(state), `episode ${episode}: reset states`).toEqual(Array.from(want));
        expectClose(obs, wantObs, tolerance, `episode ${episode}: reset observations`);
      }
      // The draws span the reset range (not a constant): at least half of the values differ.
      const state = await env.getState();
      expect(new Set(state).size).toBeGreaterThan(N / 2);
      env.destroy();
    });

    gpuTest('time limit: truncated exactly at maxEpisodeSteps, also together with terminated', async (gpu) => {
      const seed = 5;
      const cases: { state: number[]; steps: number; wantTerminated: number; wantTruncated: number }[] = [
        { state: suite.safeState, steps: spec.maxEpisodeSteps - 2, wantTerminated: 0, wantTruncated: 0 },
        { state: suite.safeState, steps: spec.maxEpisodeSteps - 1, wantTerminated: 0, wantTruncated: 1 },
      ];
      if (suite.terminatingState) {
        cases.push({ state: suite.terminatingState, steps: spec.maxEpisodeSteps - 1, wantTerminated: 1, wantTruncated: 1 });
        cases.push({ state: suite.terminatingState, steps: 0, wantTerminated: 1, wantTruncated: 0 });
      }
      const N = cases.length;
      const env = (await createEnv(spec.id, { numEnvs: N, seed, gpu })) as GpuVecEnv;
      await env.reset(); // episode 0 of every environment; the auto-resets below start episode 1
      await env.setState(rows(cases.map((c) => c.state)));
      gpu.device.queue.writeBuffer(env.buffers.episodeSteps, 0, Uint32Array.from(cases.map((c) => c.steps)));
      const result = await env.step(actionArray(spec, cases.map(() => suite.safeAction)));
      const state = await env.getState();
      cases.forEach((c, n) => {
        const what = `case ${n} (steps taken ${c.steps})`;
        expect(result.terminated[n], `${what}: terminated`).toBe(c.wantTerminated);
        expect(result.truncated[n], `${what}: truncated`).toBe(c.wantTruncated);
        const ended = c.wantTerminated || c.wantTruncated;
        const row = Array.from(state.subarray(n * ref.stateSize, (n + 1) * ref.stateSize));
        if (ended) expect(row, `${what}: auto-reset to episode 1`).toEqual(Array.from(referenceReset(ref, seed, n, 1)));
        else expect(row, `${what}: still running`).not.toEqual(Array.from(referenceReset(ref, seed, n, 1)));
      });
      const steps = new Uint32Array(await readBuffer(gpu, env.buffers.episodeSteps));
      expect(Array.from(steps)).toEqual(cases.map((c) => (c.wantTerminated || c.wantTruncated ? 0 : c.steps + 1)));
      const index = new Uint32Array(await readBuffer(gpu, env.buffers.episodeIndex));
      expect(Array.from(index)).toEqual(cases.map((c) => (c.wantTerminated || c.wantTruncated ? 2 : 1)));
      env.destroy();
    });

    gpuTest(`an episode runs exactly maxEpisodeSteps steps, then starts over`, async (gpu) => {
      const { seed, policy } = suite.survive;
      const env = await createEnv(spec.id, { numEnvs: 1, seed, gpu });
      let obs = await env.reset();
      let total = 0;
      for (let t = 1; t <= spec.maxEpisodeSteps; t++) {
        const result = await env.step(actionArray(spec, [policy(obs)]));
        total += result.reward[0]!;
        expect(result.terminated[0], `step ${t}: terminated`).toBe(0);
        expect(result.truncated[0], `step ${t}: truncated`).toBe(t === spec.maxEpisodeSteps ? 1 : 0);
        obs = result.obs;
        if (t === spec.maxEpisodeSteps) {
          const first = referenceReset(ref, seed, 0, 1);
          expect(Array.from(await env.getState()), 'the next episode starts').toEqual(Array.from(first));
          expect(result.finalObs).not.toEqual(result.obs);
        }
      }
      // Over a whole episode the float32 trajectory stays near the float64 one only loosely (errors compound);
      // the return is compared with a tolerance of 1% of its size.
      const outcome: ReferenceOutcome = { reward: 0, terminated: false };
      let refTotal = 0;
      const again = Float64Array.from(referenceReset(ref, seed, 0, 0));
      const refObs = new Float32Array(ref.observationSize);
      for (let t = 1; t <= spec.maxEpisodeSteps; t++) {
        ref.observe(again, refObs);
        ref.step(again, policy(refObs), outcome);
        refTotal += outcome.reward;
      }
      expect(Math.abs(total - refTotal)).toBeLessThanOrEqual(0.01 * Math.abs(refTotal) + 1e-3);
      env.destroy();
    });
  });
}
