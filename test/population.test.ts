/**
 * Populations: P agents trained in one command buffer per iteration compute exactly what P separate runs with
 * the same seeds and overrides compute (bit for bit: the same kernels on the same inputs, on one adapter); their
 * configuration is validated with errors that name the field, the agent and the value; each agent's policy,
 * evaluation, files and misuse behave as a single trainer's.
 */
import { describe, expect, test } from 'vitest';
import { ConfigError, createTrainer, DestroyedError, exportPolicy, loadTrainer, saveTrainer, type Population, type Trainer, type TrainerInput } from '../src/index.js';
import { defineJsEnv } from '../src/envs/registry.js';
import type { Gpu } from '../src/gpu/device.js';
import { gpuTest } from './helpers/gpu.js';

const SMALL = { num_envs: 4, num_steps: 16, num_minibatches: 2, update_epochs: 2, hidden_sizes: [16], total_timesteps: 64 * 20 };

const configError = (call: () => Promise<unknown>) => call().then(
  () => undefined,
  (error: unknown) => error,
);

describe('population configuration', () => {
  const base = { env: 'CartPole-v1', ...SMALL };
  test.each([
    [{ seeds: [] }, /'population.seeds' is \[\]; expected a non-empty array of seeds/],
    [{ seeds: 3 }, /'population.seeds' is 3; expected a non-empty array/],
    [{ seeds: [1, 2.5] }, /'population.seeds\[1\]' is 2.5; expected an integer in \[0, 2\^32\)/],
    [{ seeds: [1, 2], overrides: [{}] }, /'population.overrides' is \[object \{\}\]; expected an array of 2 objects, one per seed \(population.seeds has 2\), not 1/],
    [{ seeds: [1, 2], overrides: [{}, { num_envs: 8 }] }, /'population.overrides\[1\].num_envs' is 8; expected no per-agent value: it changes the shape/],
    [{ seeds: [1, 2], overrides: [{ hidden_sizes: [8] }, {}] }, /'population.overrides\[0\].hidden_sizes' is \[8\]; expected no per-agent value/],
    [{ seeds: [1, 2], overrides: [{}, { learning_rat: 1e-3 }] }, /'population.overrides\[1\].learning_rat' is 0.001; expected no such key \(did you mean 'learning_rate'\?\); per-agent keys: learning_rate/],
    [{ seeds: [1, 2], overrides: [{}, { seed: 4 }] }, /'population.overrides\[1\].seed' is 4; expected no per-agent seed here/],
    [{ seeds: [1, 2], overrides: [{ learning_rate: -1 }, {}] }, /'population.overrides\[0\].learning_rate' is -1; expected a finite number > 0/],
    [{ seeds: [1], overrides: [7] }, /'population.overrides\[0\]' is 7; expected an object of per-agent keys/],
    [{ seed: [1] }, /'population.seed' is \[1\]; expected no such key \(did you mean 'seeds'\?\)/],
  ])('rejects population %j', async (population, message) => {
    const error = await configError(() => createTrainer({ ...base, population } as never));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(message);
  });

  test('rejects a seed beside population, a shared key that is invalid, and JavaScript environments', async () => {
    await expect(createTrainer({ ...base, seed: 3, population: { seeds: [1] } })).rejects.toThrow(/'seed' is 3; expected no seed beside population/);
    await expect(createTrainer({ ...base, num_envs: 0, population: { seeds: [1] } })).rejects.toThrow(/'num_envs' is 0; expected a positive integer/);
    defineJsEnv({
      id: 'PopulationJsCounter-v0',
      observationSize: 1,
      action: { type: 'discrete', n: 2 },
      maxEpisodeSteps: 5,
      create: ({ numEnvs }) => ({
        reset(obs) {
          obs.fill(0);
        },
        step(_actions, out) {
          for (let n = 0; n < numEnvs; n++) {
            out.obs[n] = 0;
            out.reward[n] = 1;
            out.terminated[n] = 0;
          }
        },
      }),
    });
    await expect(createTrainer({ env: 'PopulationJsCounter-v0', population: { seeds: [1, 2] } })).rejects.toThrow(
      /'population' is .*expected a GPU environment: 'PopulationJsCounter-v0' is a JavaScript environment/,
    );
  });
});

/** Trains `population` and the same agents one by one; returns both, trained, for comparison. */
async function populationAndSingles(gpu: Gpu, shared: TrainerInput, seeds: number[], overrides: TrainerInput[] | undefined, totalSteps: number) {
  const population = await createTrainer({ ...shared, population: { seeds, ...(overrides ? { overrides: overrides as never } : {}) } }, { gpu });
  const summary = await population.train({ totalSteps });
  const singles: Trainer[] = [];
  for (const [i, seed] of seeds.entries()) {
    const single = await createTrainer({ ...shared, ...(overrides?.[i] ?? {}), seed }, { gpu });
    await single.train({ totalSteps });
    singles.push(single);
  }
  return { population, summary, singles };
}

async function expectSameRuns(population: Population, singles: Trainer[]): Promise<void> {
  for (const [i, single] of singles.entries()) {
    const agent = population.agents[i]!;
    // Parameters, Adam's moments, the normaliser, the environments' state: every persistent buffer, bit for bit.
    expect(await agent.algorithm.readParameters()).toEqual(await single.algorithm.readParameters());
    expect(Buffer.from(await saveTrainer(agent)).equals(Buffer.from(await saveTrainer(single)))).toBe(true);
    expect(agent.summary(0, 1).history).toEqual(single.summary(0, 1).history);
  }
}

describe('population training', () => {
  gpuTest('3 PPO agents on CartPole-v1 equal 3 separate runs with the same seeds and overrides, bit for bit', async (gpu) => {
    const shared: TrainerInput = { env: 'CartPole-v1', ...SMALL };
    const overrides = [{ learning_rate: 1e-3 }, {}, { ent_coef: 0, clip_coef: 0.1, gae_lambda: 0.9, max_grad_norm: 0.2 }] as TrainerInput[];
    const { population, summary, singles } = await populationAndSingles(gpu, shared, [1, 5, 9], overrides, 4 * 64);
    await expectSameRuns(population, singles);
    // The agents differ from one another (own seeds, own hyperparameters).
    const [p0, p1] = [await population.agents[0]!.algorithm.readParameters(), await population.agents[1]!.algorithm.readParameters()];
    expect(p0).not.toEqual(p1);
    expect(summary.runs.map((run) => [run.agent, run.seed, run.overrides, run.iterations, run.totalSteps])).toEqual([
      [0, 1, { learning_rate: 1e-3 }, 4, 256],
      [1, 5, {}, 4, 256],
      [2, 9, overrides[2], 4, 256],
    ]);
    expect(summary.runs[0]!.config.learning_rate).toBe(1e-3);
    expect(summary.runs[2]!.config.clip_coef).toBe(0.1);
    // One submit and one readback per iteration for the whole population; every agent's dispatches in it.
    expect(summary.gpu.submitsPerIteration).toBe(1);
    expect(summary.gpu.readbacksPerIteration).toBe(1);
    expect(summary.gpu.dispatchesPerIteration).toBe(3 * singles[0]!.summary(0, 1).gpu.dispatchesPerIteration);
    // Each agent's policy, exported policy and evaluation are those of its separate run.
    expect(population.policies[1]).toBe(population.agents[1]!.policy);
    expect(Buffer.from(await exportPolicy(population.agents[2]!)).equals(Buffer.from(await exportPolicy(singles[2]!)))).toBe(true);
    const evaluations = await population.evaluate({ episodes: 4 });
    for (const [i, single] of singles.entries()) expect(evaluations[i]).toEqual(await single.evaluate({ episodes: 4 }));
    // An agent's checkpoint resumes as a single run.
    const resumed = await loadTrainer(await saveTrainer(population.agents[1]!), { gpu });
    expect(resumed.config.seed).toBe(5);
    expect(resumed.globalStep).toBe(256);
    resumed.destroy();
    population.destroy();
    for (const single of singles) single.destroy();
  }, 300_000);

  gpuTest('2 PPO agents on Pendulum-v1 with observation and reward normalisation equal 2 separate runs, bit for bit', async (gpu) => {
    const shared: TrainerInput = { env: 'Pendulum-v1', num_envs: 2, num_steps: 32, num_minibatches: 4, update_epochs: 2, hidden_sizes: [16], norm_obs: true, norm_reward: true, total_timesteps: 64 * 10 };
    const { population, singles } = await populationAndSingles(gpu, shared, [3, 4], [{ gamma: 0.95, learning_rate: 1e-3 }, { anneal_lr: false }] as TrainerInput[], 3 * 64);
    await expectSameRuns(population, singles);
    population.destroy();
    for (const single of singles) single.destroy();
  }, 300_000);

  gpuTest('3 A2C agents and 2 REINFORCE agents on CartPole-v1 equal separate runs, bit for bit', async (gpu) => {
    const a2c = await populationAndSingles(gpu, { env: 'CartPole-v1', algo: 'a2c', num_envs: 4, num_steps: 8, hidden_sizes: [16] }, [2, 3, 4], [{ learning_rate: 1e-3 }, { vf_coef: 0.25 }, {}] as TrainerInput[], 3 * 32);
    await expectSameRuns(a2c.population, a2c.singles);
    const reinforce = await populationAndSingles(gpu, { env: 'CartPole-v1', algo: 'reinforce', num_envs: 4, num_steps: 8, hidden_sizes: [16] }, [7, 8], undefined, 2 * 32);
    await expectSameRuns(reinforce.population, reinforce.singles);
    for (const run of [a2c, reinforce]) {
      run.population.destroy();
      for (const single of run.singles) single.destroy();
    }
  }, 300_000);

  gpuTest('2 PPO-Penalty agents and 2 TRPO agents on CartPole-v1 equal separate runs, bit for bit', async (gpu) => {
    const small = { env: 'CartPole-v1', num_envs: 4, num_steps: 16, num_minibatches: 2, update_epochs: 2, hidden_sizes: [16] };
    const penalty = await populationAndSingles(gpu, { ...small, algo: 'ppo-penalty' }, [1, 2], [{ kl_target: 0.02 }, { init_beta: 3 }] as TrainerInput[], 3 * 64);
    await expectSameRuns(penalty.population, penalty.singles);
    const trpo = await populationAndSingles(gpu, { ...small, algo: 'trpo' }, [1, 2], [{ max_kl: 0.02 }, { cg_damping: 0.2, backtrack_coef: 0.5 }] as TrainerInput[], 3 * 64);
    await expectSameRuns(trpo.population, trpo.singles);
    for (const run of [penalty, trpo]) {
      run.population.destroy();
      for (const single of run.singles) single.destroy();
    }
  }, 600_000);

  gpuTest('misuse: one loop at a time, agents refuse their own loop and destroy, destroy stops training', async (gpu) => {
    const population = await createTrainer({ env: 'CartPole-v1', ...SMALL, population: { seeds: [1, 2] } }, { gpu });
    const agent = population.agents[1]!;
    await expect(agent.train({ totalSteps: 64 })).rejects.toThrow(/Trainer\.train\(\): this trainer is agent 1 \(seed 2\) of a population of 2; call train\(\) on the population/);
    expect(() => agent.destroy()).toThrow(/Trainer\.destroy\(\): this trainer is agent 1 \(seed 2\) of a population of 2; destroy the population/);
    const first = population.train({ totalSteps: 3 * 64 });
    await expect(population.train({ totalSteps: 64 })).rejects.toThrow(/Population\.train\(\): this population is already training/);
    // A snapshot during training sees whole iterations: every agent has the same count.
    const [saved0, saved1] = await Promise.all([saveTrainer(population.agents[0]!), saveTrainer(agent)]);
    expect(saved0.byteLength).toBeGreaterThan(0);
    expect(saved1.byteLength).toBeGreaterThan(0);
    const summary = await first;
    expect(summary.runs.map((run) => run.totalSteps)).toEqual([192, 192]);
    const stopped = population.train({ totalSteps: 20 * 64, onIteration: (report) => void (report.iteration === 5 && population.destroy()) });
    await expect(stopped).rejects.toThrow(DestroyedError);
    await expect(population.train({ totalSteps: 64 })).rejects.toThrow(/Population\.train\(\): this object was destroyed/);
    await expect(agent.evaluate()).rejects.toThrow(/this object was destroyed/);
    await expect(exportPolicy(agent)).rejects.toThrow(/exportPolicy\(\): this object was destroyed/);
    population.destroy();
  }, 300_000);
});
