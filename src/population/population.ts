/**
 * A population: P independent agents (own parameters, Adam state, RNG streams, environments, normalisation and
 * per-agent hyperparameters, see config.ts) trained together, one iteration of every agent per command buffer:
 *
 *   for iteration in 1..num_iterations:
 *       one Recorder:  for agent in 0..P-1:  rollout, normalise, GAE, update, batch KL, statistics   (ppo.ts)
 *                      copy the P statistics blocks into one readback slot
 *       one submit; the P blocks are read with ONE map while the GPU runs the next iteration
 *
 * Each agent is a Trainer (population.agents[i]) with its own policy, evaluate(), exportPolicy / saveTrainer;
 * its loop and its snapshots are the population's, so that what is read belongs to one iteration. Agent i
 * computes exactly what a single trainer with its seed and overrides computes: the same kernels on the same
 * inputs, recorded in a longer command buffer.
 *
 * The agents' kernels are dispatched one agent after the other (P times the dispatches of one agent); what the
 * population shares is the submit, the readback and the CPU's turn per iteration.
 */
import type { Gpu } from '../gpu/device.js';
import { ReadbackRing } from '../gpu/readback.js';
import { Recorder } from '../gpu/recorder.js';
import { STATS_WORDS } from '../ppo/iterationStats.wgsl.js';
import { countedRead, type IterationReport } from '../ppo/ppo.js';
import type { TrainerConfig } from '../config.js';
import type { EvaluationResult } from '../agent/evaluate.js';
import type { GpuPolicy } from '../policy.js';
import { DestroyedError } from '../destroyed.js';
import { checkOptionKeys } from '../options.js';
import { TrainingLoop } from '../trainingLoop.js';
import { iterationsToRun, Trainer, type EvaluateOptions, type TrainSummary } from '../trainer.js';
import type { AgentConfig } from './config.js';

/** One iteration of the whole population. */
export interface PopulationReport {
  iteration: number;
  /** Environment steps each agent has taken so far. */
  globalStep: number;
  /** Agent i's report (its own statistics; wallSeconds and sps are the population's clock). */
  agents: IterationReport[];
  wallSeconds: number;
  /** Environment steps of all agents per second since training started. */
  sps: number;
}

/** One agent's summary, with its place in the population. */
export interface AgentSummary extends TrainSummary {
  agent: number;
  /** The keys it set for itself (population.overrides[agent]). */
  overrides: Partial<TrainerConfig>;
}

export interface PopulationSummary {
  env: string;
  algo: string;
  /** One summary per agent, in population order. */
  runs: AgentSummary[];
  /** Seconds of this train() call. */
  wallSeconds: number;
  /** Environment steps of all agents in this train() call per second. */
  sps: number;
  gpu: { dispatchesPerIteration: number; submitsPerIteration: number; readbacksPerIteration: number; bufferBytes: number };
}

export interface PopulationTrainOptions {
  /** Environment steps per agent (whole iterations); default: what remains of total_timesteps. */
  totalSteps?: number;
  /** Called after every iteration; return false to stop after it. */
  onIteration?: (report: PopulationReport) => void | boolean | Promise<void | boolean>;
}

const BLOCK_BYTES = STATS_WORDS * 4;

export class Population {
  /** The agents, in the order of population.seeds. */
  readonly agents: readonly Trainer[];
  private readonly loop: TrainingLoop<PopulationReport>;
  private readonly ring: ReadbackRing;
  private destroyed = false;
  private startTime: number | undefined;
  private startStep: number | undefined;
  private dispatches = 0;
  private submits = 0;
  private readbacks = 0;

  private constructor(
    readonly gpu: Gpu,
    private readonly members: readonly { agent: AgentConfig; trainer: Trainer }[],
  ) {
    this.agents = members.map((m) => m.trainer);
    this.ring = new ReadbackRing(gpu, 'Population.statsReadback', BLOCK_BYTES * members.length);
    const population = this;
    this.loop = new TrainingLoop<PopulationReport>({
      count: (words) => population.count(words),
      get destroyed() {
        return population.destroyed;
      },
      assertAlive: (method, detail) => population.assertAlive(method, detail),
    });
    for (const { trainer } of members) {
      trainer.adopt({
        snapshot: (read, method) => population.snapshot(read, method),
        describe: (member) => population.describe(population.agents.indexOf(member)),
      });
    }
  }

  /** Builds the agents one after the other on `gpu` (pipelines are compiled once and shared). */
  static async create(gpu: Gpu, agents: AgentConfig[]): Promise<Population> {
    const members: { agent: AgentConfig; trainer: Trainer }[] = [];
    try {
      for (const agent of agents) members.push({ agent, trainer: await Trainer.create(agent.config, gpu) });
    } catch (error) {
      for (const { trainer } of members) trainer.release();
      throw error;
    }
    return new Population(gpu, members);
  }

  get size(): number {
    return this.members.length;
  }

  get seeds(): number[] {
    return this.members.map((m) => m.agent.seed);
  }

  /** Agent i's per-agent keys. */
  overrides(agent: number): Partial<TrainerConfig> {
    return { ...this.member(agent).agent.overrides };
  }

  /** Agent i's policy (population.agents[i].policy). */
  get policies(): GpuPolicy[] {
    return this.agents.map((agent) => agent.policy);
  }

  /** The shared configuration of agent 0 (every shape key is the same for all). */
  get config(): TrainerConfig {
    return this.agents[0]!.config;
  }

  get globalStep(): number {
    return this.agents[0]!.globalStep;
  }

  get iteration(): number {
    return this.agents[0]!.algorithm.iteration;
  }

  private member(agent: number): { agent: AgentConfig; trainer: Trainer } {
    const found = Number.isInteger(agent) ? this.members[agent] : undefined;
    if (!found) throw new RangeError(`population agent is ${agent}; expected an integer in [0, ${this.members.length - 1}]`);
    return found;
  }

  private describe(agent: number): string {
    return `agent ${agent} (seed ${this.members[agent]?.agent.seed}) of a population of ${this.members.length}`;
  }

  private assertAlive(method: string, detail?: string): void {
    if (this.destroyed) throw new DestroyedError(method, detail ?? `the population's GPU memory is freed`);
  }

  /** Trains every agent for `totalSteps` environment steps each (whole iterations), one iteration at a time. */
  async *iterations(options: Pick<PopulationTrainOptions, 'totalSteps'> = {}): AsyncGenerator<PopulationReport> {
    this.assertAlive('Population.iterations');
    checkOptionKeys('Population.iterations', options, ['totalSteps']);
    this.loop.begin('Population.iterations()', 'population');
    try {
      const first = this.agents[0]!;
      const toSubmit = iterationsToRun(first.algorithm, first.config.total_timesteps, options.totalSteps);
      const horizon = first.plannedIterations;
      this.startTime ??= performance.now();
      yield* this.loop.run(toSubmit, () => first.algorithm.iteration, (iteration) => this.submit(iteration, horizon), 'Population.train');
    } finally {
      this.loop.end();
    }
  }

  async train(options: PopulationTrainOptions = {}): Promise<PopulationSummary> {
    this.assertAlive('Population.train');
    checkOptionKeys('Population.train', options, ['totalSteps', 'onIteration']);
    if (options.onIteration !== undefined && typeof options.onIteration !== 'function') {
      throw new TypeError(`Population.train(): onIteration is ${typeof options.onIteration}; expected a function (report) => void | boolean`);
    }
    this.loop.assertNotTraining('Population.train()', 'population');
    const startStep = this.globalStep;
    const start = performance.now();
    for await (const report of this.iterations({ totalSteps: options.totalSteps })) {
      if ((await options.onIteration?.(report)) === false) break;
    }
    return this.summary(this.globalStep - startStep, (performance.now() - start) / 1000);
  }

  /** Every agent's iteration `iteration` in one command buffer, one submit, and one readback of the P blocks. */
  private async submit(iteration: number, horizon: number): Promise<() => Promise<Float32Array>> {
    const before = { ...this.gpu.calls };
    const recorder = new Recorder(this.gpu, `Population.iteration${iteration}`);
    for (const { trainer } of this.members) {
      const ppo = trainer.algorithm;
      ppo.lastDispatches = 0;
      ppo.prepareIteration(iteration, horizon);
      ppo.encodeRollout(recorder, iteration);
      ppo.encodeLearning(recorder);
    }
    const read = await this.ring.enqueueAll(
      recorder,
      this.agents.map((agent) => ({ source: agent.algorithm.statsBlock, size: BLOCK_BYTES })),
    );
    recorder.submit();
    this.dispatches = recorder.dispatches;
    return countedRead(this.gpu, before, read, (submits, readbacks) => {
      this.submits = submits;
      this.readbacks = readbacks;
      for (const agent of this.agents) {
        agent.algorithm.submitsPerIteration = submits;
        agent.algorithm.readbacksPerIteration = readbacks;
      }
    });
  }

  /**
   * Counts every agent's iteration from its block (all of them, so that the agents' counters stay together); a
   * failed agent's error (divergence, an empty action mask) is thrown afterwards, naming the agent.
   */
  private count(words: Float32Array): PopulationReport {
    const startTime = this.startTime ?? performance.now();
    this.startStep ??= this.globalStep;
    let failure: Error | undefined;
    const agents: IterationReport[] = [];
    this.agents.forEach((agent, i) => {
      try {
        agents.push(agent.countIteration(words.subarray(i * STATS_WORDS, (i + 1) * STATS_WORDS), startTime));
      } catch (error) {
        if (failure === undefined && error instanceof Error) {
          error.message = `${this.describe(i)}: ${error.message}`;
          Object.assign(error, { agent: i });
          failure = error;
        }
      }
    });
    if (failure) throw failure;
    const wallSeconds = (performance.now() - startTime) / 1000;
    return {
      iteration: this.iteration,
      globalStep: this.globalStep,
      agents,
      wallSeconds,
      sps: wallSeconds > 0 ? ((this.globalStep - this.startStep) * this.size) / wallSeconds : 0,
    };
  }

  /** The run so far; `steps` (per agent) and `wallSeconds` are those of the train() call being summarised. */
  summary(steps: number, wallSeconds: number): PopulationSummary {
    const config = this.config;
    return {
      env: config.env,
      algo: config.algo,
      runs: this.members.map(({ agent, trainer }) => ({ ...trainer.summary(steps, wallSeconds), agent: agent.agent, overrides: { ...agent.overrides } })),
      wallSeconds,
      sps: wallSeconds > 0 ? (steps * this.size) / wallSeconds : 0,
      gpu: { dispatchesPerIteration: this.dispatches, submitsPerIteration: this.submits, readbacksPerIteration: this.readbacks, bufferBytes: this.gpu.bytesAllocated },
    };
  }

  /**
   * Runs `read` with the population at rest (see Trainer.snapshot): the agents' exportPolicy, saveTrainer and
   * evaluate read through it.
   */
  snapshot<T>(read: () => Promise<T>, method = 'Population.snapshot'): Promise<T> {
    return this.loop.snapshot(read, method);
  }

  /** Waits for the iterations in flight, if any, and counts them. */
  settle(): Promise<void> {
    return this.snapshot(async () => undefined, 'Population.settle');
  }

  /** Every agent's evaluation (Trainer.evaluate with the same options; the default seed is each agent's own). */
  async evaluate(options: EvaluateOptions = {}): Promise<EvaluationResult[]> {
    this.assertAlive('Population.evaluate');
    const results: EvaluationResult[] = [];
    for (const agent of this.agents) results.push(await agent.evaluate(options));
    return results;
  }

  /**
   * Frees every agent's GPU memory; later calls (on the population or its agents) throw DestroyedError. During
   * training the memory is freed once the work in flight has finished, and train() rejects with DestroyedError.
   */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const release = () => {
      for (const agent of this.agents) agent.release();
      this.ring.destroy();
    };
    if (this.loop.idle) {
      release();
      return;
    }
    void this.loop.exclusive(async () => {
      await this.loop.quiesce();
      release();
    });
  }
}
