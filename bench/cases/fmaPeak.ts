/**
 * Benchmark case: the adapter's measured FMA peak, the yardstick of every GFLOP/s figure in the suite ("fraction of
 * peak"). Each invocation runs CHAINS independent chains of `acc = fma(acc, a, b)` on vec4f (a, b from a uniform,
 * so nothing folds), unrolled UNROLL deep; independent chains hide the FMA latency, and on a CPU adapter (lavapipe,
 * SwiftShader) one invocation's vec4 chain is a SIMD lane group. Several shapes are tried and the best is the peak.
 *
 * FLOPs per invocation = 2 (multiply + add) x 4 (vec4) x CHAINS x UNROLL x trips. Timed on the CPU around
 * queue.onSubmittedWorkDone() with each dispatch lasting well over 100 ms, so submit latency does not matter.
 * Validated first: lane 0's output equals the same recurrence computed on the host (in f32). The kernel is
 * bench/kernels/peak.ts's, which the MLP micro-benchmark also sweeps in shorter dispatches.
 */
import type { Gpu } from '../../src/gpu/device.js';
import { gpuIdle, measure, rateResult, type BenchContext, type CaseResult } from '../harness.js';
import { fmaPeakFlops, fmaPeakReference, fmaPeakWgsl, type FmaPeakShape } from '../kernels/peak.js';

const SHAPES: FmaPeakShape[] = [
  { width: 4, chains: 8, unroll: 8, workgroup: 64 },
  { width: 4, chains: 16, unroll: 4, workgroup: 64 },
  { width: 4, chains: 4, unroll: 16, workgroup: 256 },
];

/** a and b of `acc = fma(acc, a, b)`: |acc| stays bounded (fixed point b / (1 - a) = 0.1). */
const A = 0.999;
const B = 1e-4;

async function run(gpu: Gpu, shape: FmaPeakShape, invocations: number, trips: number, pipeline: GPUComputePipeline, out: GPUBuffer, uniform: GPUBuffer): Promise<void> {
  gpu.device.queue.writeBuffer(uniform, 0, new Uint32Array([...new Uint32Array(new Float32Array([A, B]).buffer), trips, 0]));
  const group = gpu.device.createBindGroup({
    label: 'FmaPeak.group',
    layout: pipeline.getBindGroupLayout(0),
    entries: [
      { binding: 0, resource: { buffer: uniform } },
      { binding: 1, resource: { buffer: out } },
    ],
  });
  const encoder = gpu.device.createCommandEncoder({ label: 'FmaPeak.encoder' });
  const pass = encoder.beginComputePass({ label: 'FmaPeak.pass' });
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, group);
  pass.dispatchWorkgroups(invocations / shape.workgroup);
  pass.end();
  gpu.device.queue.submit([encoder.finish()]);
  await gpuIdle(gpu);
}

export interface FmaPeak {
  result: CaseResult;
  /** Median GFLOP/s of the best shape. */
  gflops: number;
}

export async function benchFmaPeak(context: BenchContext): Promise<FmaPeak> {
  const { gpu, quick } = context;
  const invocations = 16384;
  const reps = quick ? 3 : 5;
  let best: FmaPeak | undefined;
  for (const shape of quick ? SHAPES.slice(0, 2) : SHAPES) {
    const module = gpu.device.createShaderModule({ label: 'FmaPeak.module', code: fmaPeakWgsl(shape) });
    const pipeline = await gpu.device.createComputePipelineAsync({ label: 'FmaPeak.pipeline', layout: 'auto', compute: { module, entryPoint: 'main' } });
    const out = gpu.buffer({ label: 'FmaPeak.out', size: 256, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const uniform = gpu.buffer({ label: 'FmaPeak.params', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const staging = gpu.buffer({ label: 'FmaPeak.staging', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      // Validate on a short run: lane 0 against the host recurrence.
      const checkTrips = 4;
      await run(gpu, shape, invocations, checkTrips, pipeline, out, uniform);
      const encoder = gpu.device.createCommandEncoder({ label: 'FmaPeak.copy' });
      encoder.copyBufferToBuffer(out, 0, staging, 0, 4);
      gpu.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const got = new Float32Array(staging.getMappedRange().slice(0))[0]!;
      staging.unmap();
      const expected = fmaPeakReference(shape, checkTrips, A, B);
      if (!(Math.abs(got - expected) <= 1e-4 * (1 + Math.abs(expected)))) {
        throw new Error(`benchFmaPeak: lane 0 computed ${got}, host ${expected}`);
      }
      // Calibrate: a dispatch of at least ~150 ms.
      let trips = 16;
      for (;;) {
        const start = performance.now();
        await run(gpu, shape, invocations, trips, pipeline, out, uniform);
        if (performance.now() - start > 150 || trips >= 2 ** 20) break;
        trips *= 2;
      }
      const timing = await measure(() => run(gpu, shape, invocations, trips, pipeline, out, uniform), { warmup: 1, reps });
      const flops = invocations * fmaPeakFlops(shape, trips);
      const result = rateResult('peak.fma', { ...shape, invocations, trips }, 'GFLOP/s', flops / 1e9, timing);
      context.log(`FMA peak, vec4 x ${shape.chains} chains x unroll ${shape.unroll}, workgroup ${shape.workgroup}: ${result.median.toFixed(2)} GFLOP/s`);
      if (!best || result.median > best.gflops) best = { result, gflops: result.median };
    } finally {
      for (const buffer of [out, uniform, staging]) gpu.destroyBuffer(buffer);
    }
  }
  return best!;
}
