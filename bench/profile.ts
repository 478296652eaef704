/**
 * Where an iteration's GPU time goes: one PPO iteration recorded with every dispatch in a compute pass of its own,
 * timed by timestamp queries (src/gpu/timing.ts GpuTimer), summed per pipeline (by its label) and per phase.
 * Bench-only instrumentation: Recorder.prototype.dispatch and .submit are wrapped for the duration of one
 * iteration, the engine is untouched. Needs the adapter's 'timestamp-query' feature (returns undefined without).
 *
 * One pass per dispatch adds a little per-dispatch cost, so the sum can exceed the iteration's time in normal
 * running; the split between phases is what this is for.
 */
import { createTrainer } from '../src/createTrainer.js';
import type { TrainerConfig } from '../src/config.js';
import type { Gpu } from '../src/gpu/device.js';
import { Recorder } from '../src/gpu/recorder.js';
import { GpuTimer } from '../src/gpu/timing.js';

export type Phase = 'rollout' | 'gae' | 'update' | 'stats' | 'other';

export interface KernelTime {
  label: string;
  phase: Phase;
  dispatches: number;
  seconds: number;
}

export interface IterationProfile {
  kernels: KernelTime[];
  phases: Record<Phase, number>;
  /** Sum of all timed dispatches, seconds. */
  total: number;
}

/** The phase of a pipeline, from its label (`Owner.role`). */
export function phaseOf(label: string): Phase {
  if (/^(Rollout|GpuVecEnv|Env|Policy|Normali[sz]|ObsNorm|RewardNorm|Welford)/i.test(label)) return 'rollout';
  if (/^Gae/i.test(label)) return 'gae';
  if (/^(PpoUpdate|Adam|Minibatch|PpoLoss|Gradient|Permutation)/i.test(label)) return 'update';
  if (/^IterationStats/i.test(label)) return 'stats';
  return 'other';
}

export async function profileIteration(gpu: Gpu, config: Partial<TrainerConfig> & { env: string }): Promise<IterationProfile | undefined> {
  if (!gpu.hasTimestamps) return undefined;
  const trainer = await createTrainer({ ...config, anneal_lr: false }, { gpu });
  const batch = trainer.config.num_envs * trainer.config.num_steps;
  const timer = new GpuTimer(gpu, 'Profile.timer', 2048);
  const proto = Recorder.prototype;
  const dispatch = proto.dispatch;
  const submit = proto.submit;
  const labels: string[] = [];
  try {
    // Warm-up (first use of every pipeline), then the profiled iteration.
    for await (const _ of trainer.iterations({ totalSteps: batch })) void _;
    proto.dispatch = function (this: Recorder, pipeline, groups, workgroups, offsets) {
      const label = pipeline.label || 'unlabelled';
      const writes = timer.passWrites(label);
      if (writes) labels.push(label);
      this.beginPass(`${label}.profiled`, writes);
      dispatch.call(this, pipeline, groups, workgroups, offsets);
      this.endPass();
    };
    proto.submit = function (this: Recorder) {
      timer.resolve(this);
      submit.call(this);
    };
    for await (const _ of trainer.iterations({ totalSteps: batch })) void _;
  } finally {
    proto.dispatch = dispatch;
    proto.submit = submit;
  }
  const times = await timer.read();
  timer.destroy();
  trainer.destroy();
  const byLabel = new Map<string, KernelTime>();
  for (const { name, nanoseconds } of times) {
    const entry = byLabel.get(name) ?? { label: name, phase: phaseOf(name), dispatches: 0, seconds: 0 };
    entry.dispatches += 1;
    entry.seconds += nanoseconds / 1e9;
    byLabel.set(name, entry);
  }
  const kernels = [...byLabel.values()].sort((a, b) => b.seconds - a.seconds);
  const phases: Record<Phase, number> = { rollout: 0, gae: 0, update: 0, stats: 0, other: 0 };
  for (const k of kernels) phases[k.phase] += k.seconds;
  return { kernels, phases, total: kernels.reduce((s, k) => s + k.seconds, 0) };
}
