/**
 * Kernel lab: one dense layer over a minibatch, in the layouts a faster update could be built from.
 * `npm run bench:kernels -- dense [--quick]`.
 *
 * The operation (the CartPole network's hidden layer: K = J = 64, tanh), on the update's scratch layout:
 *
 *   Y[j][b] = tanh( bias[j] + Σ_k W[k][j] X[k][b] )      X [K][B] and Y [J][B] feature-major, W [K][J] row-major
 *
 * FLOPs = 2 K J B (the tanh not counted). The backward's dX = dZ Wᵀ is the same product with W read transposed,
 * so what a layout reaches here bounds what it would reach there.
 *
 * Layouts (each a WGSL kernel built below; bench-only code):
 *   sample-major SxT the engine's own register tiles (shaders/mlp.ts mlpTiledWgsl): one invocation per S samples
 *                    (a workgroup apart), the layer's inputs in private arrays, each weight a broadcast load that
 *                    feeds S FMAs, T outputs at a time (S x T accumulators); the fused update kernel runs its
 *                    layers this way with 4 x 4.
 *   output-major T   one invocation per output j (a workgroup covers 64 outputs) and T samples: each lane loads its
 *                    own weight W[k][j] (contiguous across lanes), the inputs X[k][b0 .. b0+T) are the same for
 *                    every lane (vec4 loads), T accumulators in registers.
 *   staged T         output-major with the workgroup's K × T input tile copied into workgroup memory first.
 *   outer T          one invocation per 4 outputs × T samples: vec4 weights and vec4 inputs, T vec4 accumulators
 *                    (a 4 × T outer-product register tile), J / 4 invocations per workgroup.
 *
 * Each variant is validated against the float64 layer before it is timed (|error| ≤ 1e-5; the inputs are
 * scaled so that |pre-activation| stays near 1).
 */
import type { Gpu } from '../../src/gpu/device.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import { activationLibraryWgsl } from '../../shaders/activations.js';
import { mlpTiledWgsl } from '../../shaders/mlp.js';
import { rngHost } from '../../shaders/rng.js';
import { bestClock, checked, measureInterleaved, SequenceTimer } from './timing.js';
import type { CaseResult } from '../harness.js';

export type DenseLayout = 'sample-major' | 'output-major' | 'staged' | 'outer';

export interface DenseVariant {
  layout: DenseLayout;
  /** Samples per invocation (sample-major: S; the others: the sample tile T, a multiple of 4). */
  samples: number;
  /** sample-major: outputs per register tile (the engine's is 4), so S x tile accumulators. */
  tile?: number;
}

export interface DenseShape {
  inputs: number;
  outputs: number;
  batch: number;
}

/** The variants the lab times; sample-major 4 is what the engine's update uses. */
export const DENSE_VARIANTS: readonly DenseVariant[] = [
  { layout: 'sample-major', samples: 1, tile: 4 },
  { layout: 'sample-major', samples: 4, tile: 4 },
  { layout: 'sample-major', samples: 8, tile: 4 },
  { layout: 'sample-major', samples: 4, tile: 8 },
  { layout: 'sample-major', samples: 8, tile: 8 },
  { layout: 'sample-major', samples: 8, tile: 16 },
  { layout: 'output-major', samples: 4 },
  { layout: 'output-major', samples: 8 },
  { layout: 'output-major', samples: 16 },
  { layout: 'staged', samples: 8 },
  { layout: 'staged', samples: 16 },
  { layout: 'outer', samples: 4 },
  { layout: 'outer', samples: 8 },
];

const WORKGROUP = 64;

export const variantName = (v: DenseVariant) => (v.layout === 'sample-major' ? `${v.layout} ${v.samples}x${v.tile ?? 4}` : `${v.layout} ${v.samples}`);

/** Why a shape does not suit a variant (its tiles must divide the sizes), or undefined when it does. */
export function denseShapeProblem(v: DenseVariant, shape: DenseShape): string | undefined {
  const { batch: B, outputs: J } = shape;
  if (v.layout === 'sample-major') return B % (WORKGROUP * v.samples) === 0 ? undefined : `batch ${B} is not a multiple of ${WORKGROUP * v.samples}`;
  if (v.samples % 4 !== 0) return `sample tile ${v.samples} is not a multiple of 4`;
  if (B % v.samples !== 0) return `batch ${B} is not a multiple of the sample tile ${v.samples}`;
  if (v.layout === 'outer' && J % 4 !== 0) return `outputs ${J} is not a multiple of 4`;
  return undefined;
}

/** Workgroups of one dispatch: x over sample tiles, y over blocks of 64 outputs (output-major, staged). */
export function denseWorkgroups(v: DenseVariant, shape: DenseShape): [number, number] {
  const { batch: B, outputs: J } = shape;
  if (v.layout === 'sample-major') return [B / (WORKGROUP * v.samples), 1];
  if (v.layout === 'outer') return [B / v.samples, 1];
  return [B / v.samples, Math.ceil(J / WORKGROUP)];
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

const BINDINGS = (inputType: string) => /* wgsl */ `
@group(0) @binding(0) var<storage, read> X: array<${inputType}>;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
`;

/** The WGSL of one variant at one shape; params holds W [K][J] then bias [J]. */
export function denseWgsl(v: DenseVariant, shape: DenseShape): string {
  const problem = denseShapeProblem(v, shape);
  if (problem) throw new RangeError(`dense lab: ${variantName(v)}: ${problem}`);
  const { inputs: K, outputs: J, batch: B } = shape;
  const T = v.samples;
  const bias = K * J;
  if (v.layout === 'sample-major') {
    const layer = [{ inputs: K, outputs: J, activation: 'tanh' as const, weightOffset: 0, biasOffset: bias }];
    return /* wgsl */ `${activationLibraryWgsl}
${BINDINGS('f32')}
${mlpTiledWgsl('net', layer, T, v.tile ?? 4)}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lane: u32) {
  let first = wg.x * ${WORKGROUP * T}u + lane;
  var x: array<array<f32, ${K}>, ${T}>;
  var y: array<array<f32, ${J}>, ${T}>;
  for (var s = 0u; s < ${T}u; s++) {
    for (var k = 0u; k < ${K}u; k++) { x[s][k] = X[k * ${B}u + first + s * ${WORKGROUP}u]; }
  }
  net_forward_s_0(&x, &y);
  for (var s = 0u; s < ${T}u; s++) {
    for (var j = 0u; j < ${J}u; j++) { Y[j * ${B}u + first + s * ${WORKGROUP}u] = y[s][j]; }
  }
}
`;
  }
  const quads = range(T / 4);
  if (v.layout === 'outer') {
    // Lane g owns outputs 4g .. 4g+3: acc_t[i] accumulates output 4g+i of sample b0+t.
    const acc = range(T).map((t) => `  var acc${t} = b;`).join('\n');
    const fmas = quads
      .map((q) => `    { let xq = X[(k * ${B}u + b0) / 4u + ${q}u];${range(4).map((i) => ` acc${4 * q + i} = fma(w, vec4f(xq[${i}]), acc${4 * q + i});`).join('')} }`)
      .join('\n');
    const stores = range(T).map((t) => range(4).map((i) => `  Y[(4u * g + ${i}u) * ${B}u + b0 + ${t}u] = act_tanh(acc${t}[${i}]);`).join('\n')).join('\n');
    return /* wgsl */ `${activationLibraryWgsl}
${BINDINGS('vec4f')}
@compute @workgroup_size(${J / 4})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) g: u32) {
  let b0 = wg.x * ${T}u;
  let b = vec4f(params[${bias}u + 4u * g], params[${bias}u + 4u * g + 1u], params[${bias}u + 4u * g + 2u], params[${bias}u + 4u * g + 3u]);
${acc}
  for (var k = 0u; k < ${K}u; k++) {
    let row = k * ${J}u + 4u * g;
    let w = vec4f(params[row], params[row + 1u], params[row + 2u], params[row + 3u]);
${fmas}
  }
${stores}
}
`;
  }
  // output-major and staged: lane j of the workgroup's block of 64 outputs, T samples from b0.
  const staged = v.layout === 'staged';
  const source = (q: number) => (staged ? `tile[k * ${T / 4}u + ${q}u]` : `X[(k * ${B}u + b0) / 4u + ${q}u]`);
  const acc = range(T).map((t) => `  var acc${t} = bj;`).join('\n');
  const fmas = quads.map((q) => `    { let xq = ${source(q)};${range(4).map((i) => ` acc${4 * q + i} = fma(w, xq[${i}], acc${4 * q + i});`).join('')} }`).join('\n');
  const stores = range(T).map((t) => `    Y[j * ${B}u + b0 + ${t}u] = act_tanh(acc${t});`).join('\n');
  const tileCopy = staged
    ? `  for (var i = lane; i < ${(K * T) / 4}u; i += ${WORKGROUP}u) {
    let k = i / ${T / 4}u;
    tile[i] = X[(k * ${B}u + b0) / 4u + i % ${T / 4}u];
  }
  workgroupBarrier();`
    : '';
  return /* wgsl */ `${activationLibraryWgsl}
${BINDINGS('vec4f')}
${staged ? `var<workgroup> tile: array<vec4f, ${(K * T) / 4}>;` : ''}
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_index) lane: u32) {
  let b0 = wg.x * ${T}u;
  let j = wg.y * ${WORKGROUP}u + lane;
  // Lanes past the last output compute output J-1 again and do not store it.
  let jr = min(j, ${J - 1}u);
${tileCopy}
  let bj = params[${bias}u + jr];
${acc}
  for (var k = 0u; k < ${K}u; k++) {
    let w = params[k * ${J}u + jr];
${fmas}
  }
  if (j < ${J}u) {
${stores}
  }
}
`;
}

/** The layer in float64: Y [J][B]. */
export function denseReference(shape: DenseShape, x: Float32Array, params: Float32Array): Float64Array {
  const { inputs: K, outputs: J, batch: B } = shape;
  const y = new Float64Array(J * B);
  for (let j = 0; j < J; j++) {
    for (let b = 0; b < B; b++) {
      let z = params[K * J + j]!;
      for (let k = 0; k < K; k++) z += params[k * J + j]! * x[k * B + b]!;
      y[j * B + b] = Math.tanh(z);
    }
  }
  return y;
}

function uniforms(seed: number, count: number, scale: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = scale * (2 * rngHost.unit(rngHost.pcg4d([seed, 53, i, 0])[0]) - 1);
  return out;
}

export interface DenseBench {
  variant: DenseVariant;
  shape: DenseShape;
  x: Float32Array;
  params: Float32Array;
  pipeline: GPUComputePipeline;
  group: GPUBindGroup;
  workgroups: [number, number];
  output: GPUBuffer;
  destroy(): void;
}

export async function buildDenseBench(gpu: Gpu, variant: DenseVariant, shape: DenseShape): Promise<DenseBench> {
  const { inputs: K, outputs: J, batch: B } = shape;
  const label = `DenseLab.${variantName(variant).replace(/ /g, '.')}`;
  const x = uniforms(1, K * B, 1);
  // Weights of about 1/√K, so that the pre-activations stay near 1 and tanh is not saturated.
  const params = uniforms(2, K * J + J, 1 / Math.sqrt(K));
  const inputBuffer = gpu.buffer({ label: `${label}.x`, size: x.byteLength, data: x });
  const paramBuffer = gpu.buffer({ label: `${label}.params`, size: params.byteLength, data: params });
  const output = gpu.buffer({ label: `${label}.y`, size: J * B * 4 });
  const code = denseWgsl(variant, shape);
  const pipeline = await gpu.pipelines.pipeline({
    label,
    key: `${label}.${K}x${J}x${B}`,
    entryPoint: 'main',
    bindings: ['read-only-storage', 'read-only-storage', 'storage'],
    build: () => code,
  });
  const group = gpu.device.createBindGroup({
    label: `${label}.group`,
    layout: pipeline.getBindGroupLayout(0),
    entries: [inputBuffer, paramBuffer, output].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  return {
    variant,
    shape,
    x,
    params,
    pipeline,
    group,
    workgroups: denseWorkgroups(variant, shape),
    output,
    destroy: () => [inputBuffer, paramBuffer, output].forEach((b) => gpu.destroyBuffer(b)),
  };
}

/** Runs the variant once and returns its largest error against the float64 layer; throws past 1e-5. */
export async function validateDense(gpu: Gpu, bench: DenseBench): Promise<number> {
  const encoder = gpu.device.createCommandEncoder({ label: 'DenseLab.validate' });
  const pass = encoder.beginComputePass({ label: 'DenseLab.validate.pass' });
  pass.setPipeline(bench.pipeline);
  pass.setBindGroup(0, bench.group);
  pass.dispatchWorkgroups(...bench.workgroups);
  pass.end();
  gpu.device.queue.submit([encoder.finish()]);
  const { outputs: J, batch: B } = bench.shape;
  const result = await readFloat32(gpu, bench.output, J * B);
  const reference = denseReference(bench.shape, bench.x, bench.params);
  let worst = 0;
  for (let i = 0; i < J * B; i++) {
    const error = Math.abs(result[i]! - reference[i]!);
    if (!(error <= 1e-5)) {
      throw new Error(`dense lab ${variantName(bench.variant)} at ${JSON.stringify(bench.shape)}: Y[${Math.floor(i / B)}][${i % B}] is ${result[i]}, the float64 layer ${reference[i]}`);
    }
    worst = Math.max(worst, error);
  }
  return worst;
}

export async function denseLab(
  gpu: Gpu,
  options: { batches: number[]; reps: number; target: number; peakGflops: number; log(line: string): void },
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  for (const batch of options.batches) {
    const shape = { inputs: 64, outputs: 64, batch };
    const benches: DenseBench[] = [];
    for (const variant of DENSE_VARIANTS) {
      if (denseShapeProblem(variant, shape)) continue;
      const started = performance.now();
      const bench = await checked(gpu, `dense lab ${variantName(variant)}`, () => buildDenseBench(gpu, variant, shape));
      const compileMs = performance.now() - started;
      const error = await validateDense(gpu, bench);
      options.log(`dense: ${variantName(variant)} at batch ${batch} built in ${compileMs.toFixed(0)} ms, validated (max error ${error.toExponential(1)})`);
      benches.push(bench);
    }
    const timers = benches.map((b) => new SequenceTimer(gpu, `DenseLab.${variantName(b.variant).replace(/ /g, '.')}.${batch}`, [{ pipeline: b.pipeline, group: b.group, workgroups: b.workgroups }]));
    await measureInterleaved(timers, options.reps, options.target);
    const flops = 2 * shape.inputs * shape.outputs * batch;
    benches.forEach((bench, i) => {
      const { timing, clock } = bestClock(timers[i]!.result());
      const gflops = flops / timing.median / 1e9;
      results.push({
        name: 'kernel.dense',
        params: {
          kernel: 'dense 64x64 tanh',
          variant: variantName(bench.variant),
          batch,
          engineChoice: bench.variant.layout === 'sample-major' && bench.variant.samples === 4 && bench.variant.tile === 4,
          clock,
          gflops,
          fractionOfPeak: gflops / options.peakGflops,
        },
        unit: 'ms',
        median: timing.median * 1e3,
        min: timing.min * 1e3,
        max: timing.max * 1e3,
        reps: timing.samples.length,
      });
      timers[i]!.destroy();
      bench.destroy();
    });
  }
  return results;
}
