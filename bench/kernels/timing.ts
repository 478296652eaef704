/**
 * Timing of a sequence of dispatches, for the micro-benchmarks (bench only, not engine code).
 *
 * One sample encodes `repeats` copies of the sequence into ONE compute pass of one command buffer, with timestamp
 * writes at the beginning and end of the pass where the adapter has them, submits it once and waits for
 * queue.onSubmittedWorkDone(). Per repeat of the sequence it reports:
 *   - gpu:    (end - begin timestamp) / repeats: execution, including the driver's per-dispatch cost;
 *   - wall:   (encode + submit + wait) / repeats: what the host pays, JS encoding and Dawn's submit included;
 *   - encode: the JS encoding part of wall.
 * Many dispatches per submit amortise the submit/poll latency, so what remains is the per-dispatch cost.
 * Dawn quantises timestamps (to 2^16 ns here), so a sample should last well over a millisecond: `calibrate`
 * picks `repeats` for a target duration.
 *
 * The machine is shared and noisy: cases measure several timers in interleaved rounds (`measureInterleaved`), so a
 * slow spell hits every variant alike, and report the median and the spread.
 */
import type { Gpu } from '../../src/gpu/device.js';
import { Recorder, type Workgroups } from '../../src/gpu/recorder.js';
import { GpuTimer } from '../../src/gpu/timing.js';
import { now, summarize, type Timing } from '../harness.js';

export interface Dispatch {
  pipeline: GPUComputePipeline;
  group: GPUBindGroup;
  workgroups: Workgroups;
}

/** What one repeat records: a list of dispatches, or a function that records into a recorder (engine owners). */
export type Work = readonly Dispatch[] | ((recorder: Recorder) => void);

export interface SequenceTiming {
  /** Seconds per repeat of the sequence, host wall clock (encode + submit + wait). */
  wall: Timing;
  /** Seconds per repeat from GPU timestamps (undefined without timestamp queries). */
  gpu: Timing | undefined;
  /** Seconds per repeat spent encoding in JS (part of wall). */
  encode: Timing;
  repeats: number;
}

export interface Sample {
  wall: number;
  encode: number;
  gpu: number | undefined;
}

export class SequenceTimer {
  private readonly timer: GpuTimer;
  readonly samples: Sample[] = [];
  repeats: number;

  constructor(
    private readonly gpu: Gpu,
    readonly label: string,
    private readonly work: Work,
    repeats = 1,
  ) {
    this.timer = new GpuTimer(gpu, `${label}.timer`, 1);
    this.repeats = repeats;
  }

  private record(recorder: Recorder): void {
    if (typeof this.work === 'function') {
      this.work(recorder);
      return;
    }
    for (const d of this.work) recorder.dispatch(d.pipeline, d.group, d.workgroups);
  }

  /** One submit of `repeats` copies; seconds per repeat. */
  async run(repeats = this.repeats): Promise<Sample> {
    const start = now();
    const recorder = new Recorder(this.gpu, this.label);
    recorder.beginPass(`${this.label}.pass`, this.timer.passWrites(this.label));
    for (let r = 0; r < repeats; r++) this.record(recorder);
    this.timer.resolve(recorder);
    const buffer = recorder.finish();
    const encoded = now();
    this.gpu.device.queue.submit([buffer]);
    await this.gpu.device.queue.onSubmittedWorkDone();
    const wall = now() - start;
    const times = await this.timer.read();
    return {
      wall: wall / repeats,
      encode: (encoded - start) / repeats,
      gpu: times.length ? (times[0]!.nanoseconds * 1e-9) / repeats : undefined,
    };
  }

  /** Warm-up run, then `repeats` chosen so that one sample takes about `targetSeconds`, then one warm run at it. */
  async calibrate(targetSeconds: number, maxRepeats = 2000): Promise<void> {
    const first = await this.run(1);
    const perRepeat = Math.max(first.gpu ?? 0, first.wall - 100e-6, 1e-6);
    this.repeats = Math.max(1, Math.min(maxRepeats, Math.round(targetSeconds / perRepeat)));
    // A call that alone lasts the target (large batches) is warm after one run.
    if (this.repeats === 1) return;
    const second = await this.run();
    // The first run includes pipeline warm-up; re-estimate once from a warm run.
    const warm = Math.max(second.gpu ?? second.wall, 1e-7);
    this.repeats = Math.max(1, Math.min(maxRepeats, Math.round(targetSeconds / warm)));
  }

  async sample(): Promise<Sample> {
    const s = await this.run();
    this.samples.push(s);
    return s;
  }

  result(): SequenceTiming {
    const gpu = this.samples.map((s) => s.gpu);
    return {
      wall: summarize(this.samples.map((s) => s.wall)),
      encode: summarize(this.samples.map((s) => s.encode)),
      gpu: gpu.every((g) => g !== undefined) && gpu.length > 0 ? summarize(gpu as number[]) : undefined,
      repeats: this.repeats,
    };
  }

  destroy(): void {
    this.timer.destroy();
  }
}

/** Calibrates every timer, then takes `reps` samples of each in interleaved rounds. */
export async function measureInterleaved(timers: readonly SequenceTimer[], reps: number, targetSeconds: number): Promise<void> {
  for (const t of timers) await t.calibrate(targetSeconds);
  for (let r = 0; r < reps; r++) for (const t of timers) await t.sample();
}

/** The timing to report: GPU timestamps when there are any, else wall clock. */
export function bestClock(t: SequenceTiming): { timing: Timing; clock: 'gpu' | 'wall' } {
  return t.gpu ? { timing: t.gpu, clock: 'gpu' } : { timing: t.wall, clock: 'wall' };
}

/** Runs `body` inside a validation error scope; throws when WebGPU reported an error. */
export async function checked<T>(gpu: Gpu, what: string, body: () => Promise<T>): Promise<T> {
  gpu.device.pushErrorScope('validation');
  let result: T | undefined;
  let failure: unknown;
  try {
    result = await body();
  } catch (error) {
    failure = error;
  }
  const error = await gpu.device.popErrorScope();
  if (failure) throw failure;
  if (error) throw new Error(`${what}: WebGPU validation error: ${error.message}`);
  return result as T;
}
