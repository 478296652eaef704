/**
 * Kernel lab: TRPO's actor step (src/trpo/update.ts), `npm run bench:kernels -- trpo [--quick]`.
 *
 * The operation, for a batch of B samples on CartPole's actor (4-64-64-2, tanh; the critic is in the parameter
 * buffer but not touched): g = ∇L, 10 CG iterations on (F + 0.1 I) x = g (each one Fisher pass: forward, tangent,
 * backward, gradient kernel, then the single-workgroup CG kernel), F x and the step scale, up to 10 line-search
 * tries, the update. Validated first against the float64 step of reference/trpo.ts.
 *
 * Variants of the line-search decision (the only place where the host could take part):
 *   gpu    every try is encoded; the decide kernel sets TrpoState's flags and tries after the accepted one return
 *          at once; the apply kernel writes the accepted parameters. One submit, no readback.
 *   host   the step up to the first try is submitted, the state read back, and each further try submitted and
 *          read back only while none has been accepted; then the apply kernel. One readback per try (in training
 *          the first try is almost always accepted: one readback per iteration), and the host waits for the GPU
 *          in the middle of the iteration.
 * Both are timed per iteration on the wall clock (encode, submit, wait), with the parameters reset before each.
 * The phases are timed apart with GPU timestamps where the adapter has them (wall clock otherwise), and so are the
 * Fisher kernel's two variants (TrpoSettings.fisherForward): θ_old's forward pass read from the surrogate pass's
 * scratch rows (the engine's choice for a batch in one chunk) or recomputed for every product.
 */
import type { Gpu } from '../../src/gpu/device.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { AgentLayout, actionWidth } from '../../src/agent/agent.js';
import { RolloutLayout } from '../../src/ppo/storage.js';
import { RunnerState } from '../../src/ppo/runnerState.js';
import { TRPO_SETTINGS, TrpoUpdate, type TrpoSettings } from '../../src/trpo/update.js';
import { decodeTrpoState, TrpoState } from '../../src/trpo/state.js';
import { logSoftmax, mlpForward } from '../../reference/ppo.js';
import { actorIndices, trpoStep, type TrpoSample } from '../../reference/trpo.js';
import { rngHost } from '../../shaders/rng.js';
import { now, summarize, type CaseResult, type Timing } from '../harness.js';
import { bestClock, checked, measureInterleaved, SequenceTimer } from './timing.js';

const ACTION = { type: 'discrete', n: 2 } as const;

function uniform(seed: number, index: number, low: number, high: number): number {
  return low + (high - low) * rngHost.unit(rngHost.pcg4d([seed, 91, index, 0])[0]);
}

export interface TrpoBench {
  agent: AgentLayout;
  batch: number;
  update: TrpoUpdate;
  state: RunnerState;
  samples: TrpoSample[];
  theta: Float32Array;
  destroy(): void;
}

/**
 * A rollout of B samples taken by the policy at θ (stored log-probabilities are its own: ratios of 1, as in
 * training), with advantages uniform in [-1, 2), and a TrpoUpdate over it.
 */
export async function buildTrpoBench(gpu: Gpu, batch: number, hidden: number[] = [64, 64], settings: Partial<TrpoSettings> = {}): Promise<TrpoBench> {
  const agent = new AgentLayout({ observationSize: 4, action: ACTION, hidden, activation: 'tanh' });
  const layout = new RolloutLayout({ numEnvs: batch, numSteps: 1, obsSize: 4, actionWidth: actionWidth(ACTION), policyOutputs: agent.policyOutputs, keepOldDist: false });
  const state = new RunnerState(gpu, { agent, layout, updateEpochs: 1, numMinibatches: 1, learningRate: 1e-3, initBeta: 0, seed: 4 }, 'TrpoBench');
  const theta = agent.initialParameters(4);
  for (let i = 0; i < theta.length; i++) theta[i] = Math.fround(theta[i]! + uniform(8, i, -0.2, 0.2));
  const o = layout.offsets;
  const data = new Float32Array(layout.floats);
  const samples: TrpoSample[] = [];
  let draw = 0;
  const next = (low: number, high: number) => Math.fround(uniform(6, draw++, low, high));
  for (let s = 0; s < batch; s++) {
    const obs = Array.from({ length: 4 }, () => next(-2, 2));
    obs.forEach((v, f) => (data[o.obs + f * batch + s] = v));
    const action = next(0, 1) < 0.5 ? 0 : 1;
    const sample: TrpoSample = { obs, action: [action], oldLogprob: Math.fround(logSoftmax(mlpForward(theta, agent.actor, obs))[action]!), advantage: next(-1, 2) };
    data[o.actions + s] = action;
    data[o.logprobs + s] = sample.oldLogprob;
    data[o.advantages + s] = sample.advantage;
    samples.push(sample);
  }
  gpu.write(state.storage, 0, data);
  gpu.write(state.params, 0, theta);
  const update = await TrpoUpdate.create(gpu, agent, layout, settings, state);
  return {
    agent,
    batch,
    update,
    state,
    samples,
    theta,
    destroy: () => {
      update.destroy();
      state.destroy();
    },
  };
}

/**
 * One step from θ against the float64 reference step: the line search's outcome exactly, every actor parameter
 * within 1e-3 of the largest change plus float32 rounding (looser than the tests' 1e-4: at these sizes float32 CG
 * itself ends further from float64's, as a float32 emulation of the same CG does; see test/trpo/step.test.ts).
 * Returns the largest error relative to that change.
 */
export async function validateTrpo(gpu: Gpu, bench: TrpoBench): Promise<number> {
  gpu.write(bench.state.params, 0, bench.theta);
  const recorder = new Recorder(gpu, 'TrpoBench.validate');
  bench.update.encode(recorder);
  recorder.submit();
  const [params, state] = await Promise.all([readFloat32(gpu, bench.state.params, bench.agent.table.size), bench.update.readState()]);
  const reference = trpoStep(Float64Array.from(bench.theta), bench.agent, bench.samples, { ...TRPO_SETTINGS, ...bench.update.settings });
  if ((state.accepted === 1) !== reference.search.accepted || state.tries !== reference.search.tries) {
    throw new Error(`TRPO at batch ${bench.batch}: the GPU's line search accepted ${state.accepted} after ${state.tries} tries, the float64 reference ${reference.search.accepted} after ${reference.search.tries}`);
  }
  const indices = actorIndices(bench.agent);
  const step = Math.max(...indices.map((i) => Math.abs(reference.theta[i]! - bench.theta[i]!))) || 1;
  let worst = 0;
  for (const i of indices) {
    const error = Math.abs(params[i]! - reference.theta[i]!);
    if (!(error <= 1e-3 * step + 4e-7 * Math.abs(reference.theta[i]!))) {
      throw new Error(`TRPO at batch ${bench.batch}: parameter ${i} is ${params[i]}, the float64 reference ${reference.theta[i]} (tolerance 1e-3 x the largest change ${step} + 4e-7 |ref|)`);
    }
    worst = Math.max(worst, error / step);
  }
  return worst;
}

/** A step whose line search is decided on the host: a readback after each try until one is accepted. */
class HostDecidedStep {
  private readonly staging: GPUBuffer;
  readbacks = 0;

  constructor(
    private readonly gpu: Gpu,
    private readonly update: TrpoUpdate,
  ) {
    this.staging = gpu.buffer({ label: 'TrpoBench.stateStaging', size: TrpoState.byteSize, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  private async submitAndRead(recorder: Recorder): Promise<ReturnType<typeof decodeTrpoState>> {
    recorder.copy(this.update.state, 0, this.staging, 0, TrpoState.byteSize);
    recorder.submit();
    await this.staging.mapAsync(GPUMapMode.READ);
    const state = decodeTrpoState(this.staging.getMappedRange().slice(0));
    this.staging.unmap();
    this.readbacks++;
    return state;
  }

  /** Only the round trip: a copy of the state into the staging buffer, submitted, mapped and read. */
  async readOnly(): Promise<void> {
    await this.submitAndRead(new Recorder(this.gpu, 'TrpoBench.hostRead'));
  }

  async run(): Promise<void> {
    const first = new Recorder(this.gpu, 'TrpoBench.hostFirst');
    this.update.encodeBegin(first);
    this.update.encodeSurrogateGradient(first);
    this.update.encodeConjugateGradient(first);
    this.update.encodeStepSize(first);
    this.update.encodeLineSearchTry(first);
    let state = await this.submitAndRead(first);
    while (state.search_done === 0) {
      const next = new Recorder(this.gpu, 'TrpoBench.hostTry');
      this.update.encodeLineSearchTry(next);
      state = await this.submitAndRead(next);
    }
    const last = new Recorder(this.gpu, 'TrpoBench.hostApply');
    this.update.encodeApply(last);
    last.submit();
    await this.gpu.device.queue.onSubmittedWorkDone();
  }

  destroy(): void {
    this.gpu.destroyBuffer(this.staging);
  }
}

export interface TrpoLabOptions {
  batches: number[];
  reps: number;
  /** Seconds per timing sample of the phases. */
  target: number;
  log(line: string): void;
}

function msResult(name: string, params: Record<string, unknown>, timing: Timing): CaseResult {
  return { name, params, unit: 'ms', median: timing.median * 1e3, min: timing.min * 1e3, max: timing.max * 1e3, reps: timing.samples.length };
}

/** Both decision variants per iteration, then the phases, at every batch. */
export async function trpoLab(gpu: Gpu, options: TrpoLabOptions): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const batch of options.batches) {
    const bench = await checked(gpu, `trpo lab ${batch}`, () => buildTrpoBench(gpu, batch));
    // The same kernels with a bound no candidate meets: every try evaluates its candidate (the active try's cost).
    const rejecting = await TrpoUpdate.create(gpu, bench.agent, bench.update.layout, { maxKl: 1e-30, lineSearchTries: 1_000_000 }, bench.state);
    // The Fisher kernel's other variant: the forward pass recomputed for every product.
    const recomputing = await TrpoUpdate.create(gpu, bench.agent, bench.update.layout, { fisherForward: 'recompute' }, bench.state);
    try {
      const error = await validateTrpo(gpu, bench);
      const validated = await bench.update.readState();
      options.log(`trpo: batch ${batch} validated (max error ${error.toExponential(1)} of the largest change; ${validated.tries} try, KL ${validated.kl.toExponential(2)})`);

      // Per iteration, interleaved: GPU-decided (one submit) and host-decided (readback per try).
      const host = new HostDecidedStep(gpu, bench.update);
      const gpuSamples: number[] = [];
      const hostSamples: number[] = [];
      const readSamples: number[] = [];
      const tries: number[] = [];
      // The two variants differ by milliseconds in steps of a hundred: more rounds than the phases get.
      for (let r = 0; r < 3 * options.reps + 1; r++) {
        gpu.write(bench.state.params, 0, bench.theta);
        await gpu.device.queue.onSubmittedWorkDone();
        let start = now();
        const recorder = new Recorder(gpu, 'TrpoBench.step');
        bench.update.encode(recorder);
        recorder.submit();
        await gpu.device.queue.onSubmittedWorkDone();
        if (r > 0) gpuSamples.push(now() - start);
        tries.push((await bench.update.readState()).tries);
        gpu.write(bench.state.params, 0, bench.theta);
        await gpu.device.queue.onSubmittedWorkDone();
        const readsBefore = host.readbacks;
        start = now();
        await host.run();
        if (r > 0) hostSamples.push(now() - start);
        if (host.readbacks - readsBefore !== tries.at(-1)) throw new Error(`trpo lab: the host-decided step read back ${host.readbacks - readsBefore} times for ${tries.at(-1)} tries`);
        start = now();
        await host.readOnly();
        if (r > 0) readSamples.push(now() - start);
      }
      host.destroy();
      const triesNote = `${Math.min(...tries)}-${Math.max(...tries)}`;
      results.push(msResult('trpo.step', { batch, variant: 'gpu: decided on the GPU', detail: `1 submit, 0 readbacks, tries ${triesNote}`, clock: 'wall', dispatches: bench.update.dispatchesPerStep }, summarize(gpuSamples)));
      results.push(msResult('trpo.step', { batch, variant: 'host: readback per try', detail: `${2 + Math.max(...tries) - 1} submits, ${triesNote} readbacks`, clock: 'wall' }, summarize(hostSamples)));
      const paired = summarize(hostSamples.map((h, i) => h - gpuSamples[i]!));
      results.push(msResult('trpo.step', { batch, variant: 'host minus gpu, same round', detail: 'paired difference', clock: 'wall' }, paired));
      results.push(msResult('trpo.step', { batch, variant: 'one readback round trip alone', detail: '80-byte copy, submit, mapAsync', clock: 'wall' }, summarize(readSamples)));

      // The phases, each repeated within one pass (only the whole step moves the parameters).
      gpu.write(bench.state.params, 0, bench.theta);
      const prime = new Recorder(gpu, 'TrpoBench.prime');
      bench.update.encodeActorStep(prime);
      rejecting.encodeBegin(prime);
      rejecting.encodeSurrogateGradient(prime);
      rejecting.encodeConjugateGradient(prime);
      rejecting.encodeStepSize(prime);
      recomputing.encodeBegin(prime);
      recomputing.encodeSurrogateGradient(prime);
      prime.submit();
      const phases: [string, (recorder: Recorder) => void][] = [
        ['surrogate gradient (surrogate kernel + gradient kernel)', (rec) => bench.update.encodeSurrogateGradient(rec)],
        [`one Fisher-vector product (Fisher kernel + gradient kernel), forward ${bench.update.fisherForward}`, (rec) => bench.update.encodeFisherProduct(rec, 'x')],
        [`  its Fisher kernel (tangent, head Fisher, backward; forward ${bench.update.fisherForward})`, (rec) => bench.update.encodeFisherProduct(rec, 'x', 'samples')],
        ['  its Fisher kernel, forward recomputed', (rec) => recomputing.encodeFisherProduct(rec, 'x', 'samples')],
        ['  its gradient kernel (sum_s input ⊗ dz)', (rec) => bench.update.encodeFisherProduct(rec, 'x', 'gradient')],
        ['CG: cg_init + 10 x (Fisher product + cg_step)', (rec) => bench.update.encodeConjugateGradient(rec)],
        ['line-search try, candidate evaluated (candidate + decide)', (rec) => rejecting.encodeLineSearchTry(rec)],
        ['line-search try after the search ended (both return)', (rec) => bench.update.encodeLineSearchTry(rec)],
        [`whole actor step (GPU-decided), back to back, forward ${bench.update.fisherForward}`, (rec) => bench.update.encodeActorStep(rec)],
        ['whole actor step (GPU-decided), back to back, forward recomputed', (rec) => recomputing.encodeActorStep(rec)],
      ];
      const timers = phases.map(([name, work]) => new SequenceTimer(gpu, `TrpoLab.${name}`, work));
      await measureInterleaved(timers, options.reps, options.target);
      phases.forEach(([name], i) => {
        const { timing, clock } = bestClock(timers[i]!.result());
        results.push(msResult('trpo.phase', { batch, variant: name, detail: '', clock }, timing));
      });
      for (const timer of timers) timer.destroy();
    } finally {
      recomputing.destroy();
      rejecting.destroy();
      bench.destroy();
    }
  }
  return results;
}
