/**
 * Benchmark case: the adapter's measured FMA peak, the yardstick of every GFLOP/s figure in the suite ("fraction of
 * peak"). Each invocation runs CHAINS independent chains of `acc = fma(acc, a, b)` on vec4f (a, b from a uniform,
 * so nothing folds), unrolled UNROLL deep; independent chains hide the FMA latency, and on a CPU adapter (lavapipe,
 * SwiftShader) one invocation's vec4 chain is a SIMD lane group. Several shapes are tried and the best is the peak.
 *
 * FLOPs per invocation = 2 (multiply + add) x 4 (vec4) x CHAINS x UNROLL x trips. Timed on the CPU around
 * queue.onSubmittedWorkDone() with each dispatch lasting well over 100 ms, so submit latency does not matter.
 * Validated first: the kernel's output equals the same recurrence computed on the host (in f32).
 */
import type { Gpu } from '../../src/gpu/device.js';
import { gpuIdle, measure, rateResult, type BenchContext, type CaseResult } from '../harness.js';

interface Shape {
  chains: number;
  unroll: number;
  workgroup: number;
}

const SHAPES: Shape[] = [
  { chains: 8, unroll: 8, workgroup: 64 },
  { chains: 16, unroll: 4, workgroup: 64 },
  { chains: 4, unroll: 16, workgroup: 256 },
];

const A = 0.999;
const B = 1e-4;

function wgsl({ chains, unroll, workgroup }: Shape): string {
  const init = Array.from({ length: chains }, (_, c) => `  var acc${c} = vec4f(f32(lane % 97u) * 1e-3, ${c}.0 * 1e-3, 0.5, -0.25);`).join('\n');
  const body: string[] = [];
  for (let u = 0; u < unroll; u++) for (let c = 0; c < chains; c++) body.push(`    acc${c} = fma(acc${c}, a, b);`);
  const sum = Array.from({ length: chains }, (_, c) => `acc${c}`).join(' + ');
  return /* wgsl */ `
struct Params { a: f32, b: f32, trips: u32, unused: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(${workgroup})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let lane = gid.x + gid.y * nwg.x * ${workgroup}u;
  let a = vec4f(params.a);
  let b = vec4f(params.b);
${init}
  for (var i = 0u; i < params.trips; i++) {
${body.join('\n')}
  }
  out[lane] = dot(${sum}, vec4f(1.0));
}
`;
}

/** The same recurrence on the host in f32 (fma rounded once or twice: compared with a tolerance). */
function hostValue(shape: Shape, lane: number, trips: number): number {
  let total = 0;
  for (let c = 0; c < shape.chains; c++) {
    const acc = [Math.fround((lane % 97) * 1e-3), Math.fround(c * 1e-3), 0.5, -0.25];
    for (let i = 0; i < trips * shape.unroll; i++) for (let k = 0; k < 4; k++) acc[k] = Math.fround(acc[k]! * Math.fround(A) + Math.fround(B));
    total += acc.reduce((s, v) => s + v, 0);
  }
  return total;
}

async function run(gpu: Gpu, shape: Shape, invocations: number, trips: number, pipeline: GPUComputePipeline, out: GPUBuffer, uniform: GPUBuffer): Promise<void> {
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
    const module = gpu.device.createShaderModule({ label: 'FmaPeak.module', code: wgsl(shape) });
    const pipeline = await gpu.device.createComputePipelineAsync({ label: 'FmaPeak.pipeline', layout: 'auto', compute: { module, entryPoint: 'main' } });
    const out = gpu.device.createBuffer({ label: 'FmaPeak.out', size: invocations * 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
    const uniform = gpu.device.createBuffer({ label: 'FmaPeak.params', size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    const staging = gpu.device.createBuffer({ label: 'FmaPeak.staging', size: 64 * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      // Validate on a short run: the first 64 lanes against the host recurrence.
      const checkTrips = 4;
      await run(gpu, shape, invocations, checkTrips, pipeline, out, uniform);
      const encoder = gpu.device.createCommandEncoder({ label: 'FmaPeak.copy' });
      encoder.copyBufferToBuffer(out, 0, staging, 0, 64 * 4);
      gpu.device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const got = new Float32Array(staging.getMappedRange().slice(0));
      staging.unmap();
      for (let lane = 0; lane < 64; lane++) {
        const expected = hostValue(shape, lane, checkTrips);
        if (!(Math.abs(got[lane]! - expected) <= 1e-3 * (1 + Math.abs(expected)))) {
          throw new Error(`benchFmaPeak: lane ${lane} computed ${got[lane]}, host ${expected}`);
        }
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
      const flops = invocations * 2 * 4 * shape.chains * shape.unroll * trips;
      const result = rateResult('peak.fma', { ...shape, width: 4, invocations, trips }, 'GFLOP/s', flops / 1e9, timing);
      context.log(`FMA peak, vec4 x ${shape.chains} chains x unroll ${shape.unroll}, workgroup ${shape.workgroup}: ${result.median.toFixed(2)} GFLOP/s`);
      if (!best || result.median > best.gflops) best = { result, gflops: result.median };
    } finally {
      out.destroy();
      uniform.destroy();
      staging.destroy();
    }
  }
  return best!;
}
