/**
 * MLP micro-benchmark: for the adapter in use, the GFLOP/s of the forward and backward passes of a
 * 64-64-64 tanh MLP (input 64, one hidden layer of 64, output 64; see bench/kernels/network.ts for the FLOP counts)
 * at batch 256, 4096 and 65536, Adam's throughput, a fused per-sample actor-critic kernel, the per-dispatch
 * overhead, and the adapter's peak FMA rate, so that every figure reads as a fraction of that peak.
 *
 * Every measured kernel is validated once against a float64 reference, warmed up, then measured in interleaved
 * rounds (this machine is shared: a slow spell hits every variant alike); results carry median and spread.
 * Times come from GPU timestamp queries around one compute pass of many dispatches (bench/kernels/timing.ts), with
 * the host's wall time per call alongside; where there are no timestamps, wall time is reported.
 *
 * Layout alternatives (bench/kernels/layouts.ts, legacy.ts, fused.ts):
 *   engine          shaders/matmul.ts as MlpRunner runs it (defaultTiling of the adapter), and at other tilings.
 *   engine before   shaders/matmul.ts before this benchmark (one sample per invocation) at the tilings asked for
 *                   (tile 1, 4, 8, 16, 64; workgroup 64, 128, 256; weight tiles).
 *   naive           sample-major, one invocation per sample computing all outputs (the baseline).
 *   shared16        classic 16 x 16 shared-memory tiled matmul.
 *   gen             generated register-tiled code: vec4f along the batch, weights from storage / as vec4f /
 *                   staged in workgroup memory.
 *   fused           one invocation runs a whole actor-critic for its samples (private arrays vs registers, tiles,
 *                   samples per invocation, weights from storage or workgroup memory).
 * What was learned (lavapipe, 2 cores; figures in the printed tables):
 *   - lavapipe turns a per-lane load into a masked gather, a per-lane store into 8 scalar stores, and a load whose
 *     address is the same in every lane into one scalar load behind a bounds-check select (storage) or a plain
 *     load (workgroup memory). What pays is FMAs per load: each weight load must feed several samples (S samples
 *     per invocation) and each activation load several outputs (the register tile). vec4f along the batch and S
 *     scalar samples a workgroup apart are equally fast; the latter works at any stride, offset and batch, so it
 *     is what the engine uses. Shared-memory tiling (barriers) and unrolling the k loop do not pay.
 *   - register tiles past ~32 accumulators per invocation still gain (8 x 16: ~1.7x) but compile for seconds.
 *   - a dispatch costs ~5-8 µs of GPU time on lavapipe and ~240 µs on SwiftShader; a submit + wait round trip
 *     ~0.2 ms. Adam is bound by per-lane loads and stores (~0.6x a plain copy kernel), not arithmetic.
 *   - the fused kernel: 4-8 samples per invocation with 4-output register tiles runs 3-4x the private-array code
 *     of shaders/mlpInline.ts; staging weights in workgroup memory does not help; fully unrolled code does not
 *     finish compiling.
 */
import type { Gpu } from '../../src/gpu/device.js';
import { bindBuffers } from '../../src/gpu/bind.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { Adam } from '../../src/nn/adam.js';
import type { DenseTiling } from '../../shaders/matmul.js';
import { defaultTiling } from '../../src/nn/dense.js';
import { adamStep } from '../../test/reference/nn.js';
import { rateResult, type BenchContext, type CaseResult, type Timing } from '../harness.js';
import { FusedBench, FUSED_FLOPS_PER_SAMPLE, FUSED_NETWORK, fusedLabel, type FusedVariant } from '../kernels/fused.js';
import { engineVariant, genVariant, naiveVariant, shared16Variant, type LayerVariant, type Role } from '../kernels/layouts.js';
import { LEGACY_TILING, legacyVariant } from '../kernels/legacy.js';
import { FLOPS_PER_SAMPLE, Network, NETWORK } from '../kernels/network.js';
import { emptyWgsl, fmaPeakFlops, fmaPeakReference, fmaPeakWgsl, type FmaPeakShape } from '../kernels/peak.js';
import { bestClock, checked, measureInterleaved, SequenceTimer, type Work } from '../kernels/timing.js';

export interface MlpBenchOptions {
  /** Batches of the MLP cases; default 4096 (the variant sweep), 256, 65536. */
  batches?: number[];
  /** Also run the fully unrolled fused kernel (did not finish compiling in 4 minutes on lavapipe). */
  fusedRegisters?: boolean;
}

/** Batch of the full variant sweep; the other batches run the engine, the baselines and the sweep's winners. */
export const SWEEP_BATCH = 4096;

const PEAK_SHAPES: FmaPeakShape[] = [
  { width: 1, chains: 8, unroll: 8, workgroup: 64 },
  { width: 4, chains: 2, unroll: 8, workgroup: 64 },
  { width: 4, chains: 4, unroll: 8, workgroup: 256 },
  { width: 1, chains: 16, unroll: 4, workgroup: 64 },
  { width: 4, chains: 8, unroll: 4, workgroup: 64 },
];

/**
 * The tiling MlpRunner uses on this adapter (src/nn/dense.ts defaultTiling), set when the case starts: 'engine'
 * rows are that tiling, other engine rows vary it.
 */
let base: DenseTiling;
const engine = (overrides: Partial<DenseTiling> = {}) => engineVariant({ ...base, ...overrides });

/** The list without later variants of an already listed label. */
function unique(list: LayerVariant[]): LayerVariant[] {
  return list.filter((v, i) => list.findIndex((w) => w.label === v.label) === i);
}
const legacy = (overrides: Partial<typeof LEGACY_TILING>) => legacyVariant({ ...LEGACY_TILING, ...overrides });

/** The variants of each role's sweep at SWEEP_BATCH (quick: a short list). */
function sweep(role: Role, quick: boolean): LayerVariant[] {
  return unique(sweepList(role, quick));
}

function sweepList(role: Role, quick: boolean): LayerVariant[] {
  const head = [engine(), legacyVariant(), naiveVariant()];
  if (role === 'forward') {
    if (quick) return [...head, engine({ samplesPerLane: 8, forwardTile: 16 }), genVariant({ vec: 4, tile: 8, weights: 'vec4' }, ['forward'])];
    return [
      ...head,
      shared16Variant(),
      ...[1, 4, 16, 64].map((forwardTile) => legacy({ forwardTile })),
      ...[128, 256].map((workgroup) => legacy({ workgroup })),
      genVariant({ vec: 4, tile: 8, weights: 'storage' }, ['forward']),
      genVariant({ vec: 4, tile: 8, weights: 'vec4' }, ['forward']),
      genVariant({ vec: 8, tile: 8, weights: 'workgroup' }, ['forward']),
      engine({ stageWeights: false }),
      engine({ stageWeights: true }),
      engine({ samplesPerLane: 1 }),
      engine({ samplesPerLane: 8 }),
      engine({ samplesPerLane: 8, forwardTile: 16 }),
      engine({ workgroup: 128 }),
    ];
  }
  if (role === 'backward_input') {
    if (quick) return [...head, engine({ samplesPerLane: 8, inputTile: 16 })];
    return [
      ...head,
      ...[1, 4, 16, 64].map((inputTile) => legacy({ inputTile })),
      genVariant({ vec: 8, tile: 8, weights: 'workgroup' }, ['backward_input']),
      engine({ stageWeights: false }),
      engine({ stageWeights: true }),
      engine({ samplesPerLane: 8 }),
      engine({ samplesPerLane: 8, inputTile: 16 }),
    ];
  }
  if (quick) return [...head, engine({ reduceLanes: 32 })];
  return [
    ...head,
    legacy({ reduceLanes: 128 }),
    legacy({ weightTileK: 8, weightTileJ: 8 }),
    genVariant({ vec: 4, reduceLanes: 64, weightTileK: 4, weightTileJ: 8 }, ['backward_weights']),
    engine({ reduceLanes: 64, weightTileK: 8, weightTileJ: 8 }),
    engine({ reduceLanes: 32 }),
    engine({ reduceLanes: 8 }),
    engine({ weightTileK: 4, weightTileJ: 16 }),
  ];
}

const CASE_NAME: Record<Role | 'backward', string> = {
  forward: 'mlp-forward',
  backward_input: 'mlp-backward-input',
  backward_weights: 'mlp-backward-weights',
  backward: 'mlp-backward',
};

interface Entry {
  timer: SequenceTimer;
  name: string;
  params: Record<string, unknown>;
  /** FLOPs (or other work) per call. */
  work: number;
  unit: string;
}

function toResult(e: Entry, peak: number | undefined): CaseResult {
  const t = e.timer.result();
  const { timing, clock } = bestClock(t);
  const r = rateResult(e.name, { ...e.params, clock, usPerCall: round(timing.median * 1e6), wallUsPerCall: round(t.wall.median * 1e6) }, e.unit, e.work, timing);
  if (e.unit === 'GFLOP/s' && peak) r.params.fractionOfPeak = round(r.median / peak, 4);
  return r;
}

function microseconds(name: string, params: Record<string, unknown>, timing: Timing): CaseResult {
  return { name, params, unit: 'µs', median: timing.median * 1e6, min: timing.min * 1e6, max: timing.max * 1e6, reps: timing.samples.length };
}

function round(value: number, digits = 3): number {
  const p = 10 ** digits;
  return Math.round(value * p) / p;
}

export async function benchMlp(context: BenchContext, options: MlpBenchOptions = {}): Promise<CaseResult[]> {
  const { gpu, quick } = context;
  base = defaultTiling(gpu.adapter);
  const results: CaseResult[] = [];
  const reps = quick ? 5 : 7;
  const target = quick ? 0.02 : 0.04;

  // 1. Peak FMA rate.
  const peakResults = await fmaPeak(gpu, quick ? PEAK_SHAPES.slice(0, 3) : PEAK_SHAPES, reps, quick ? 0.05 : 0.1);
  results.push(...peakResults);
  const peak = Math.max(...peakResults.map((r) => r.median));
  const best = peakResults.find((r) => r.median === peak)!;
  results.push({ ...best, params: { variant: 'peak (best shape)', shape: best.params.variant } });
  context.log(`fma-peak: ${peak.toFixed(1)} GFLOP/s (${best.params.variant})`);

  // 2. Per-dispatch overhead.
  results.push(...(await dispatchOverhead(gpu, quick)));
  context.log('dispatch-overhead: done');

  // 3. The MLP: the sweep at SWEEP_BATCH first, then the other batches with the engine, the baselines and the winners.
  const batches = options.batches ?? [SWEEP_BATCH, 256, 65536];
  const winners: Partial<Record<Role, LayerVariant>> = {};
  for (const batch of [...batches].sort((a, b) => (a === SWEEP_BATCH ? -1 : b === SWEEP_BATCH ? 1 : a - b))) {
    const net = new Network(gpu, batch);
    const isSweep = batch === SWEEP_BATCH;
    const entries: Entry[] = [];
    const roleVariants: Partial<Record<Role, LayerVariant[]>> = {};
    const large = batch >= LARGE_BATCH;
    // --quick at the large batch: the forward and the whole backward pass only (on SwiftShader a call takes seconds).
    const roles: Role[] = large && quick ? ['forward'] : ['forward', 'backward_input', 'backward_weights'];
    for (const role of roles) {
      const list = isSweep ? sweep(role, quick) : shortList(batch, quick, winners[role]);
      roleVariants[role] = list;
      for (const v of list) {
        const start = performance.now();
        await checked(gpu, v.label, () => validate(net, v, role));
        entries.push({
          timer: new SequenceTimer(gpu, `${CASE_NAME[role]}.${v.label}`, await net.sequence(v, role)),
          name: CASE_NAME[role],
          params: { batch, variant: v.label, family: v.family, layout: v.layout, network: NETWORK, flopsPerSample: FLOPS_PER_SAMPLE[role], prepareMs: Math.round(performance.now() - start) },
          work: (FLOPS_PER_SAMPLE[role] * batch) / 1e9,
          unit: 'GFLOP/s',
        });
      }
    }
    // The whole backward pass as MlpRunner records it: the engine, the baselines (and elsewhere the sweep's best dX + dW).
    const engineDefault = engine();
    const combos: [LayerVariant, LayerVariant][] = [[engineDefault, engineDefault]];
    if (!(large && quick)) combos.push([legacyVariant(), legacyVariant()]);
    if (!large) combos.push([naiveVariant(), naiveVariant()]);
    const bestCombo = bestBackward(winners);
    if (!isSweep && bestCombo && !(large && quick)) combos.push(bestCombo);
    for (const [i, w] of combos) entries.push(await backwardEntry(gpu, net, i, w));
    // Large batches: fewer samples of one call each (a call of the kernels before takes seconds at 65536).
    await measureInterleaved(
      entries.map((e) => e.timer),
      large ? (quick ? 2 : 3) : reps,
      large ? 0.001 : target,
    );
    const batchResults = entries.map((e) => toResult(e, peak));
    results.push(...batchResults);
    if (isSweep) {
      for (const role of ['forward', 'backward_input', 'backward_weights'] as Role[]) {
        const ranked = batchResults.filter((r) => r.name === CASE_NAME[role]).sort((a, b) => b.median - a.median);
        winners[role] = roleVariants[role]!.find((v) => v.label === ranked[0]!.params.variant);
      }
      // The best dX + dW of the sweep as one backward pass, against the engine's, in rounds of their own.
      const combo = bestBackward(winners);
      if (combo) {
        const pair = [await backwardEntry(gpu, net, engineDefault, engineDefault), await backwardEntry(gpu, net, ...combo)];
        await measureInterleaved(pair.map((e) => e.timer), reps, target);
        results.push(...pair.slice(1).map((e) => toResult(e, peak)));
        for (const e of pair) e.timer.destroy();
      }
    }
    for (const e of entries) e.timer.destroy();
    net.destroy();
    context.log(`mlp batch ${batch}: done`);
  }

  // 4. Adam.
  results.push(...(await adamThroughput(gpu, quick ? [8320, 1 << 20] : [8320, 1 << 20, 1 << 22], reps, target)));
  context.log('adam: done');

  // 5. The fused per-sample actor-critic kernel.
  results.push(...(await fused(gpu, quick, reps, target, peak, options.fusedRegisters ?? false)));
  context.log('fused: done');
  return results;
}

/** The sweep's best dX and dW as one backward pass, when that differs from the engine's default and the layouts agree. */
function bestBackward(winners: Partial<Record<Role, LayerVariant>>): [LayerVariant, LayerVariant] | undefined {
  const i = winners.backward_input;
  const w = winners.backward_weights;
  const engineLabel = engine().label;
  if (!i || !w || i.layout !== w.layout || (i.label === engineLabel && w.label === engineLabel)) return undefined;
  return [i, w];
}

async function backwardEntry(gpu: Gpu, net: Network, inputVariant: LayerVariant, weightsVariant: LayerVariant): Promise<Entry> {
  const forward = inputVariant.layout === 'sample-major' ? naiveVariant() : engine();
  const start = performance.now();
  await checked(gpu, `${inputVariant.label} + ${weightsVariant.label}`, () => net.validateBackward(forward, inputVariant, weightsVariant));
  const label = inputVariant.label === weightsVariant.label ? inputVariant.label : `dX ${inputVariant.label} + dW ${weightsVariant.label}`;
  return {
    timer: new SequenceTimer(gpu, `mlp-backward.${label}`, await net.backwardSequence(inputVariant, weightsVariant)),
    name: CASE_NAME.backward,
    params: { batch: net.batch, variant: label, family: inputVariant.family, layout: inputVariant.layout, network: NETWORK, flopsPerSample: FLOPS_PER_SAMPLE.backward, prepareMs: Math.round(performance.now() - start) },
    work: (FLOPS_PER_SAMPLE.backward * net.batch) / 1e9,
    unit: 'GFLOP/s',
  };
}

/**
 * At the batches other than the sweep's: the engine, the kernels before, the naive baseline and the sweep's winner.
 * From 65536 samples on, no naive baseline (its weight gradient takes ~20 s a call there: 4160 invocations, each
 * summing over the whole batch), and in --quick mode only the engine.
 */
function shortList(batch: number, quick: boolean, winner: LayerVariant | undefined): LayerVariant[] {
  const large = batch >= LARGE_BATCH;
  if (large && quick) return [engine()];
  const list = [engine(), legacyVariant(), ...(large ? [] : [naiveVariant()])];
  if (winner && !list.some((v) => v.label === winner.label)) list.push(winner);
  return list;
}

const LARGE_BATCH = 65536;

async function validate(net: Network, v: LayerVariant, role: Role): Promise<void> {
  if (role === 'forward') return net.validateForward(v);
  const other = v.layout === 'sample-major' ? naiveVariant() : engine();
  return role === 'backward_input' ? net.validateBackward(other, v, other) : net.validateBackward(other, other, v);
}

async function fmaPeak(gpu: Gpu, shapes: FmaPeakShape[], reps: number, target: number): Promise<CaseResult[]> {
  const iterations = 64;
  const [a, b] = [0.5, 0.25];
  const groups = 256;
  const out = gpu.buffer({ label: 'MlpBench.peakOut', size: 256 });
  const words = new ArrayBuffer(16);
  new Float32Array(words, 0, 2).set([a, b]);
  new Uint32Array(words, 8, 1)[0] = iterations;
  const uniform = gpu.buffer({ label: 'MlpBench.peakParams', size: 16, usage: GPUBufferUsage.UNIFORM, data: new Uint8Array(words) });
  const entries: Entry[] = [];
  for (const shape of shapes) {
    const label = `${shape.width === 4 ? 'vec4' : 'f32'} x ${shape.chains} chains, unroll ${shape.unroll}, wg ${shape.workgroup}`;
    const pipeline = await gpu.pipelines.pipeline({ label: 'MlpBench.fmaPeak', key: `fmaPeak:${JSON.stringify(shape)}`, entryPoint: 'main', build: () => fmaPeakWgsl(shape) });
    const group = bindBuffers(gpu.device, 'MlpBench.peakGroup', pipeline.getBindGroupLayout(0), [uniform, out]);
    const work: Work = [{ pipeline, group, workgroups: [groups] }];
    await checked(gpu, label, async () => {
      const recorder = new Recorder(gpu, 'MlpBench.peakValidate');
      recorder.dispatch(pipeline, group, [groups]);
      recorder.submit();
      const got = (await readFloat32(gpu, out, 1))[0]!;
      const want = fmaPeakReference(shape, iterations, a, b);
      if (!(Math.abs(got - want) <= 1e-4 * Math.abs(want) + 1e-4)) throw new Error(`fma-peak ${label}: lane 0 gave ${got}, reference ${want}`);
    });
    entries.push({
      timer: new SequenceTimer(gpu, `fma-peak.${label}`, work),
      name: 'fma-peak',
      params: { variant: label, ...shape },
      work: (fmaPeakFlops(shape, iterations) * groups * shape.workgroup) / 1e9,
      unit: 'GFLOP/s',
    });
  }
  await measureInterleaved(entries.map((e) => e.timer), reps, target);
  const results = entries.map((e) => toResult(e, undefined));
  for (const e of entries) e.timer.destroy();
  out.destroy();
  uniform.destroy();
  return results;
}

async function dispatchOverhead(gpu: Gpu, quick: boolean): Promise<CaseResult[]> {
  const out = gpu.buffer({ label: 'MlpBench.emptyOut', size: 16 });
  const pipeline = await gpu.pipelines.pipeline({ label: 'MlpBench.empty', key: 'empty:64', entryPoint: 'main', build: () => emptyWgsl(64) });
  const group = bindBuffers(gpu.device, 'MlpBench.emptyGroup', pipeline.getBindGroupLayout(0), [out]);
  const work: Work = [{ pipeline, group, workgroups: [1] }];
  const many = quick ? 500 : 1000;
  const batched = new SequenceTimer(gpu, 'dispatch-overhead.batched', work, many);
  const single = new SequenceTimer(gpu, 'dispatch-overhead.single', work, 1);
  await checked(gpu, 'empty kernel', async () => {
    await batched.run(1);
    await single.run(1);
  });
  const reps = quick ? 7 : 11;
  for (let r = 0; r < reps; r++) {
    await batched.sample();
    await single.sample();
  }
  const b = batched.result();
  const s = single.result();
  const results: CaseResult[] = [];
  const variant = `empty kernel, 1 workgroup, ${many} dispatches per submit`;
  if (b.gpu) results.push(microseconds('dispatch-overhead', { variant, clock: 'gpu' }, b.gpu));
  results.push(microseconds('dispatch-overhead', { variant, clock: 'wall' }, b.wall));
  results.push(microseconds('dispatch-overhead', { variant: `JS encoding of one dispatch (part of wall)`, clock: 'wall' }, b.encode));
  results.push(microseconds('dispatch-overhead', { variant: 'one dispatch per submit, then onSubmittedWorkDone', clock: 'wall' }, s.wall));
  batched.destroy();
  single.destroy();
  out.destroy();
  return results;
}

async function adamThroughput(gpu: Gpu, counts: number[], reps: number, target: number): Promise<CaseResult[]> {
  const entries: Entry[] = [];
  const cleanup: (() => void)[] = [];
  for (const count of counts) {
    const random = (seed: number) => {
      const a = new Float32Array(count);
      let s = seed >>> 0 || 1;
      for (let i = 0; i < count; i++) {
        s ^= s << 13;
        s >>>= 0;
        s ^= s >>> 17;
        s ^= s << 5;
        s >>>= 0;
        a[i] = (s / 4294967296) * 2 - 1;
      }
      return a;
    };
    const params0 = random(count + 1);
    const grads0 = random(count + 2);
    const params = gpu.buffer({ label: 'MlpBench.adamParams', size: count * 4, data: params0 });
    const grads = gpu.buffer({ label: 'MlpBench.adamGrads', size: count * 4, data: grads0 });
    const config = { learningRate: 3e-4, beta1: 0.9, beta2: 0.999, eps: 1e-5, maxGradNorm: 0.5 };
    const adam = await Adam.create(gpu, 'MlpBench.adam', params, grads, count, config);
    await checked(gpu, `adam ${count}`, async () => {
      const recorder = new Recorder(gpu, 'MlpBench.adamValidate');
      adam.encodeStep(recorder);
      recorder.submit();
      const ref = Float64Array.from(params0);
      adamStep(ref, grads0, { m: new Float64Array(count), v: new Float64Array(count), step: 0 }, { lr: 3e-4, beta1: 0.9, beta2: 0.999, eps: 1e-5, maxGradNorm: 0.5 });
      const got = await readFloat32(gpu, params, count);
      for (let i = 0; i < count; i++) {
        if (!(Math.abs(got[i]! - ref[i]!) <= 2e-6 + 1e-5 * Math.abs(ref[i]!))) throw new Error(`adam ${count}: parameter ${i} is ${got[i]}, reference ${ref[i]}`);
      }
    });
    const recorderProbe = new Recorder(gpu, 'MlpBench.adamProbe');
    adam.encodeStep(recorderProbe);
    const dispatches = recorderProbe.dispatches;
    recorderProbe.finish();
    entries.push({
      timer: new SequenceTimer(gpu, `adam.${count}`, (recorder) => adam.encodeStep(recorder)),
      name: 'adam',
      params: { count, dispatches, bytesPerParam: 28, note: 'reads p, g, m, v; writes p, m, v (plus the norm pass)' },
      work: count / 1e6,
      unit: 'Mparam/s',
    });
    cleanup.push(() => {
      adam.destroy();
      params.destroy();
      grads.destroy();
    });
  }
  await measureInterleaved(entries.map((e) => e.timer), reps, target);
  const results = entries.map((e) => {
    const r = toResult(e, undefined);
    r.params.effectiveGBps = round((r.median * 1e6 * 28) / 1e9, 2);
    return r;
  });
  for (const e of entries) e.timer.destroy();
  for (const c of cleanup) c();
  return results;
}

async function fused(gpu: Gpu, quick: boolean, reps: number, target: number, peak: number, registers: boolean): Promise<CaseResult[]> {
  const batch = 4096;
  const bench = new FusedBench(gpu, batch);
  const variants: FusedVariant[] = quick
    ? [
        { code: 'arrays', weights: 'storage', workgroup: 64 },
        // t4 s8 is ~25% faster but takes ~20 s to compile with an empty shader cache.
        { code: 'tiled', tile: 4, samples: 4, weights: 'storage', workgroup: 64 },
      ]
    : [
        { code: 'arrays', weights: 'storage', workgroup: 64 },
        { code: 'arrays', weights: 'workgroup', workgroup: 64 },
        { code: 'tiled', tile: 4, samples: 1, weights: 'storage', workgroup: 64 },
        { code: 'tiled', tile: 4, samples: 4, weights: 'storage', workgroup: 64 },
        { code: 'tiled', tile: 4, samples: 4, weights: 'workgroup', workgroup: 64 },
        { code: 'tiled', tile: 4, samples: 8, weights: 'storage', workgroup: 64 },
      ];
  if (registers) variants.push({ code: 'registers', weights: 'storage', workgroup: 64 });
  const entries: Entry[] = [];
  for (const v of variants) {
    const start = performance.now();
    const d = await bench.dispatch(v);
    await checked(gpu, fusedLabel(v), () => bench.validate(v, d));
    entries.push({
      timer: new SequenceTimer(gpu, fusedLabel(v), [d]),
      name: 'fused-mlp',
      params: { batch, variant: fusedLabel(v), network: FUSED_NETWORK, flopsPerSample: FUSED_FLOPS_PER_SAMPLE, prepareMs: Math.round(performance.now() - start) },
      work: (FUSED_FLOPS_PER_SAMPLE * batch) / 1e9,
      unit: 'GFLOP/s',
    });
  }
  await measureInterleaved(entries.map((e) => e.timer), reps, target);
  const results = entries.map((e) => toResult(e, peak));
  for (const e of entries) e.timer.destroy();
  bench.destroy();
  return results;
}

/** CPU time the rest of the machine used while `body` ran, as a share of all cores (Linux; undefined elsewhere). */
export async function backgroundLoad<T>(body: () => Promise<T>): Promise<{ result: T; background: number | undefined }> {
  const read = async (): Promise<number[] | undefined> => {
    try {
      const { readFile } = await import('node:fs/promises');
      const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
      return line.trim().split(/\s+/).slice(1).map(Number);
    } catch {
      return undefined;
    }
  };
  const before = await read();
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const result = await body();
  const after = await read();
  if (!before || !after) return { result, background: undefined };
  const ticks = after.map((v, i) => v - before[i]!);
  const total = ticks.reduce((s, v) => s + v, 0);
  const busy = total - ticks[3]! - (ticks[4] ?? 0);
  const cores = (await import('node:os')).cpus().length;
  const own = process.cpuUsage(cpuBefore);
  const ownShare = (own.user + own.system) / 1e3 / ((performance.now() - wallBefore) * cores);
  return { result, background: Math.max(0, busy / total - ownShare) };
}

