/**
 * Everything a PPO run keeps on the GPU from one iteration to the next, in one record by name: PureJaxRL's
 * `runner_state`. The loop (ppo.ts) allocates it once and hands it to every pass; a pass reads and writes the
 * buffers of the record it needs and owns only its own scratch, and the record frees what it allocated.
 *
 *   agent        params, grads            the flat parameters of actor and critic (AgentLayout) and their gradient
 *   optimizer    moments, control         Adam's m and v [2][P], and its control block (lr, step, clip scale, ...)
 *   rollout      storage, store           the rollout storage (RolloutLayout) and its layout as a uniform
 *   episodes     tracker, recentEpisodes  running return / length per environment [2][N]; the ring of the last
 *                                         episodes that the solved check reads
 *   update       hyper, ppoState, records the iteration's hyperparameters (Hyper), PPO's state (PpoState: β, then d and H), and the
 *                                         per-minibatch statistics [epochs x minibatches][RECORD_WORDS]
 *   normaliser   normStats, normLanes     running observation / return statistics, and one rollout's lane sums
 *
 * The part a resumed run needs is `persistent()`, by checkpoint name; `persistentLayout` gives the same names and
 * sizes without a device (a checkpoint is checked against them before anything is built). The environments' own
 * state belongs to the environment batch (GpuVecEnv) and is added there.
 */
import type { Gpu } from '../gpu/device.js';
import type { AgentLayout } from '../agent/agent.js';
import { initialNormStats } from '../agent/normalizer.js';
import { laneRows, normWords } from '../agent/normalizer.wgsl.js';
import { initialAdamControl } from '../nn/adam.js';
import { Control } from '../nn/adam.wgsl.js';
import { Hyper } from './hyper.js';
import { RING_WORDS } from './iterationStats.wgsl.js';
import { RECORD_WORDS } from './scratch.js';
import { PPO_STATE_WORDS } from './ppoState.js';
import type { RolloutLayout } from './storage.js';

/** What sizes the record: the agent, the rollout, the update's shape and the starting values. */
export interface RunnerStateSpec {
  agent: AgentLayout;
  layout: RolloutLayout;
  updateEpochs: number;
  numMinibatches: number;
  /** Adam's starting learning rate (the schedule rewrites it each iteration). */
  learningRate: number;
  /** PPO-Penalty's starting β. */
  initBeta: number;
  /** Seed of the parameters' initialisation. */
  seed: number;
  /** Rows of the episode tracker [rows][N]: 2 (return, length), more with self-play (src/selfplay/selfplay.wgsl.ts). */
  trackerRows?: number;
}

/** One GPU buffer a checkpoint holds: its tensor name, type and length. */
export interface PersistentEntry {
  name: string;
  dtype: 'F32' | 'U32';
  count: number;
}



export class RunnerState {
  readonly params: GPUBuffer;
  readonly grads: GPUBuffer;
  readonly moments: GPUBuffer;
  readonly control: GPUBuffer;
  readonly storage: GPUBuffer;
  readonly store: GPUBuffer;
  readonly tracker: GPUBuffer;
  readonly recentEpisodes: GPUBuffer;
  readonly hyper: GPUBuffer;
  readonly ppoState: GPUBuffer;
  readonly records: GPUBuffer;
  readonly normStats: GPUBuffer;
  readonly normLanes: GPUBuffer;

  constructor(
    private readonly gpu: Gpu,
    readonly spec: RunnerStateSpec,
    label = 'Ppo',
  ) {
    const { agent, layout } = spec;
    const parameterBytes = agent.table.byteSize;
    const obsSize = agent.architecture.observationSize;
    const numEnvs = layout.shape.numEnvs;
    // The rollout first: it is the one that can exceed the device's limits, and it says which sizes fit.
    this.storage = layout.allocate(gpu, `${label}.rolloutStorage`);
    this.store = layout.allocateUniform(gpu, `${label}.rolloutLayout`);
    this.params = gpu.buffer({ label: `${label}.params`, size: parameterBytes, data: agent.initialParameters(spec.seed) });
    this.grads = gpu.buffer({ label: `${label}.grads`, size: parameterBytes });
    this.moments = gpu.buffer({ label: `${label}.adamMoments`, size: 2 * parameterBytes });
    this.control = gpu.buffer({ label: `${label}.adamControl`, size: Control.words * 4, data: initialAdamControl(spec.learningRate) });
    this.tracker = gpu.buffer({ label: `${label}.episodeTracker`, size: (spec.trackerRows ?? 2) * numEnvs * 4 });
    this.recentEpisodes = gpu.buffer({ label: `${label}.recentEpisodes`, size: RING_WORDS * 4 });
    this.hyper = gpu.buffer({ label: `${label}.hyper`, size: Hyper.byteSize, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.ppoState = gpu.buffer({ label: `${label}.state`, size: PPO_STATE_WORDS * 4, data: new Float32Array([spec.initBeta, 0, 0, 0]) });
    this.records = gpu.buffer({ label: `${label}.minibatchRecords`, size: spec.updateEpochs * spec.numMinibatches * RECORD_WORDS * 4 });
    this.normStats = gpu.buffer({ label: `${label}.normStats`, size: normWords(obsSize) * 4, data: initialNormStats(obsSize) });
    this.normLanes = gpu.buffer({ label: `${label}.normLanes`, size: laneRows(obsSize) * numEnvs * 4 });
  }

  /**
   * The buffers every resumed run needs, by checkpoint name. With GPU environments the loop adds theirs and the
   * episode tracker (a JavaScript environment's rollout tracks its episodes on the CPU).
   */
  persistent(): Record<string, GPUBuffer> {
    return {
      'optimizer.moments': this.moments,
      'optimizer.control': this.control,
      'ppo.state': this.ppoState,
      'stats.recent_episodes': this.recentEpisodes,
      'normalizer.stats': this.normStats,
      'normalizer.lanes': this.normLanes,
    };
  }

  /** persistent()'s names, types and sizes, without a device. */
  static persistentLayout(agent: AgentLayout, numEnvs: number): PersistentEntry[] {
    const obs = agent.architecture.observationSize;
    return [
      { name: 'optimizer.moments', dtype: 'F32', count: 2 * agent.table.size },
      { name: 'optimizer.control', dtype: 'F32', count: Control.words },
      { name: 'ppo.state', dtype: 'F32', count: PPO_STATE_WORDS },
      { name: 'stats.recent_episodes', dtype: 'F32', count: RING_WORDS },
      { name: 'normalizer.stats', dtype: 'F32', count: normWords(obs) },
      { name: 'normalizer.lanes', dtype: 'F32', count: laneRows(obs) * numEnvs },
    ];
  }

  destroy(): void {
    const all = [this.params, this.grads, this.moments, this.control, this.storage, this.store, this.tracker, this.recentEpisodes, this.hyper, this.ppoState, this.records, this.normStats, this.normLanes];
    for (const buffer of all) this.gpu.destroyBuffer(buffer);
  }
}
