/**
 * Experiment (bench only): layouts of a FUSED per-sample kernel that runs a whole tiny actor-critic for one sample
 * per invocation (lane = sample), as the PPO update's loss kernel does (shaders/ppoLoss.ts with
 * shaders/mlpInline.ts): actor 4-64-64-2 and critic 4-64-64-1 (tanh hidden, identity heads) forward, a loss
 * gradient (here L = ½|out|², so dL/d out = out), backward to every layer's pre-activation gradient dz, and the
 * layer inputs and dz written to feature-major scratch rows [row][stride] (the weight-gradient kernel's input).
 *
 * Variants (`code` x `weights`):
 *   code 'arrays'     the engine's single-sample library, mlpInlineWgsl of shaders/mlpInline.ts (the loss kernel's
 *                     code until commit 2b9bf32; the rollout and policy kernels still run it): activations in
 *                     private arrays indexed by loop counters (dynamic indices), forward in register tiles of 4
 *                     outputs, dX as one dot product per input (one private-array read and one weight load per FMA).
 *   code 'tiled'      the same private arrays, but both directions in register tiles of `tile` outputs (inputs)
 *                     x `samples` samples per invocation: each private-array read feeds `tile` FMAs and each
 *                     weight load feeds `samples` FMAs.
 *   code 'registers'  generated straight-line code: every activation and gradient is a named scalar (no arrays,
 *                     no loops), so every index is a compile-time constant. On lavapipe (LLVM 15) its pipeline did
 *                     not finish compiling in 4 minutes, so the benchmark runs it only when asked.
 *   weights 'storage'    weights read from the parameter buffer at compile-time offsets (same address in all lanes).
 *   weights 'workgroup'  each network's parameters copied once per workgroup into workgroup memory (one network at
 *                        a time: both do not fit in 32 KiB), read from there.
 *
 * FLOPs per sample (2 per multiply-add; biases, activations and the loss not counted):
 *   forward  actor 2(4·64 + 64·64 + 64·2) + critic 2(4·64 + 64·64 + 64·1)   = 17,792
 *   backward dX of layers 2 and 1: actor 2(64·2 + 64·64) + critic 2(64·1 + 64·64) = 16,768
 *   total 34,560
 */
import type { Gpu } from '../../src/gpu/device.js';
import { bindBuffers } from '../../src/gpu/bind.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import { gridFor, Recorder } from '../../src/gpu/recorder.js';
import { addMlp, initMlp, type MlpLayer } from '../../src/nn/mlp.js';
import { ParamTable } from '../../src/nn/params.js';
import { activationLibraryWgsl, type Activation } from '../../shaders/activations.js';
import { linearIndexWgsl } from '../../shaders/common.js';
import { mlpInlineWgsl, type InlineLayer } from '../../shaders/mlpInline.js';
import type { Dispatch } from './timing.js';

export type FusedCode = 'arrays' | 'tiled' | 'registers';
export type FusedWeights = 'storage' | 'workgroup';
export interface FusedVariant {
  code: FusedCode;
  weights: FusedWeights;
  workgroup: number;
  /** 'tiled': outputs (forward) or inputs (backward) per register tile. */
  tile?: number;
  /** 'tiled': samples per invocation, a workgroup apart. */
  samples?: number;
}

export function fusedLabel(v: FusedVariant): string {
  return `fused ${v.code}${v.code === 'tiled' ? ` t${v.tile ?? 8} s${v.samples ?? 1}` : ''} w:${v.weights} wg${v.workgroup}`;
}

export const FUSED_NETWORK = 'actor 4-64-64-2 + critic 4-64-64-1, tanh';
const OBS = 4;
const HIDDEN = [64, 64];
const HEADS = { actor: 2, critic: 1 } as const;
type Net = keyof typeof HEADS;
const NETS: Net[] = ['actor', 'critic'];

function mlpFlops(widths: number[]): number {
  let f = 0;
  for (let l = 0; l + 1 < widths.length; l++) f += 2 * widths[l]! * widths[l + 1]!;
  return f;
}
const widthsOf = (net: Net) => [OBS, ...HIDDEN, HEADS[net]];
export const FUSED_FLOPS_PER_SAMPLE = NETS.reduce((s, n) => s + mlpFlops(widthsOf(n)) + mlpFlops(widthsOf(n).slice(1)), 0);

/** Scratch rows per network: hidden activations (inputs of layers >= 1), then dz of every layer. */
function rowsOf(net: Net): { activations: number[]; deltas: number[]; count: number } {
  const w = widthsOf(net);
  const activations: number[] = [];
  let row = 0;
  for (let l = 1; l < w.length - 1; l++) {
    activations.push(row);
    row += w[l]!;
  }
  const deltas: number[] = [];
  for (let l = 1; l < w.length; l++) {
    deltas.push(row);
    row += w[l]!;
  }
  return { activations, deltas, count: row };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/** Straight-line forward + backward of one network; inputs are the scalars x0..x{K-1}. */
function registersCode(net: Net, layers: InlineLayer[], P: string, rowBase: number): string {
  const rows = rowsOf(net);
  const lines: string[] = [];
  const act = (l: number) => layers[l]!.activation;
  let inputs = range(OBS).map((k) => `x${k}`);
  const outputs: string[][] = [];
  layers.forEach((layer, l) => {
    const { inputs: K, outputs: J, weightOffset: W, biasOffset: B } = layer;
    const names: string[] = [];
    for (let j = 0; j < J; j++) {
      const name = `${net}_y${l}_${j}`;
      names.push(name);
      lines.push(`  var ${name} = ${P}[${B + j}u];`);
      for (let k = 0; k < K; k++) lines.push(`  ${name} = fma(${P}[${W + k * J + j}u], ${inputs[k]}, ${name});`);
      lines.push(`  ${name} = act_${act(l)}(${name});`);
    }
    outputs.push(names);
    inputs = names;
  });
  // dL/d out = out; dz = dL/dy · f'(y)
  const last = layers.length - 1;
  let dz = outputs[last]!.map((y, j) => {
    const name = `${net}_dz${last}_${j}`;
    lines.push(`  let ${name} = ${y} * act_${act(last)}_grad(${y});`);
    return name;
  });
  const deltas: string[][] = [];
  deltas[last] = dz;
  for (let l = last; l > 0; l--) {
    const { inputs: K, outputs: J, weightOffset: W } = layers[l]!;
    const below = outputs[l - 1]!;
    const next: string[] = [];
    for (let k = 0; k < K; k++) {
      const name = `${net}_dz${l - 1}_${k}`;
      lines.push(`  var ${name} = 0.0;`);
      for (let j = 0; j < J; j++) lines.push(`  ${name} = fma(${P}[${W + k * J + j}u], ${dz[j]}, ${name});`);
      lines.push(`  ${name} = ${name} * act_${act(l - 1)}_grad(${below[k]});`);
      next.push(name);
    }
    deltas[l - 1] = next;
    dz = next;
  }
  const stores: string[] = [];
  outputs.slice(0, last).forEach((names, l) =>
    names.forEach((n, j) => stores.push(`  scratch[${rowBase + rows.activations[l]! + j}u * dims.stride + i] = ${n};`)),
  );
  deltas.forEach((names, l) => names.forEach((n, j) => stores.push(`  scratch[${rowBase + rows.deltas[l]! + j}u * dims.stride + i] = ${n};`)));
  return `${lines.join('\n')}\n  if (valid) {\n${stores.map((s) => `  ${s}`).join('\n')}\n  }`;
}

/** The same with the engine's inline library (private arrays, loops); needs mlpInlineWgsl(net, ...) in the module. */
function arraysCode(net: Net, layers: InlineLayer[], rowBase: number): string {
  const rows = rowsOf(net);
  const last = layers.length - 1;
  const lines: string[] = [];
  layers.forEach((layer, l) => {
    const input = l === 0 ? 'x' : `${net}_y${l - 1}`;
    lines.push(`  var ${net}_y${l}: array<f32, ${layer.outputs}>;`, `  ${net}_forward_${l}(&${input}, &${net}_y${l});`);
  });
  lines.push(`  var ${net}_d${last} = ${net}_y${last};`);
  for (let l = last; l >= 0; l--) {
    const layer = layers[l]!;
    lines.push(`  ${net}_output_grad_${l}(&${net}_d${l}, &${net}_y${l});`);
    lines.push(`  if (valid) { for (var j = 0u; j < ${layer.outputs}u; j++) { scratch[(${rowBase + rows.deltas[l]!}u + j) * dims.stride + i] = ${net}_d${l}[j]; } }`);
    if (l > 0) {
      lines.push(`  var ${net}_d${l - 1}: array<f32, ${layer.inputs}>;`, `  ${net}_input_grad_${l}(&${net}_d${l}, &${net}_d${l - 1});`);
      lines.push(`  if (valid) { for (var k = 0u; k < ${layer.inputs}u; k++) { scratch[(${rowBase + rows.activations[l - 1]!}u + k) * dims.stride + i] = ${net}_y${l - 1}[k]; } }`);
    }
  }
  return lines.join('\n');
}

/**
 * 'tiled': per sample s an array per layer output (`${net}_y${l}_${s}`) and gradient (`${net}_d${l}_${s}`); loops over
 * tiles and the reduction index stay loops, the tile and the samples are unrolled into registers.
 */
function tiledCode(net: Net, layers: InlineLayer[], P: string, rowBase: number, T0: number, S: number): string {
  const rows = rowsOf(net);
  const last = layers.length - 1;
  const lines: string[] = [];
  const samples = range(S);
  const forEachTile = (width: number, body: (start: string, count: number) => string) => {
    const T = Math.min(T0, width);
    const full = Math.floor(width / T) * T;
    const out = [`  for (var t0 = 0u; t0 < ${full}u; t0 += ${T}u) {\n${body('t0', T)}\n  }`];
    if (full < width) out.push(`  {\n${body(`${full}u`, width - full)}\n  }`);
    return out.join('\n');
  };
  layers.forEach((layer, l) => {
    const { inputs: K, outputs: J, weightOffset: W, biasOffset: B, activation } = layer;
    const input = (s: number) => (l === 0 ? `x_${s}` : `${net}_y${l - 1}_${s}`);
    for (const s of samples) lines.push(`  var ${net}_y${l}_${s}: array<f32, ${J}>;`);
    lines.push(
      forEachTile(J, (j0, T) => {
        const acc = range(T).flatMap((t) => samples.map((s) => `    var a${t}_${s} = ${P}[${B}u + ${j0} + ${t}u];`));
        const fmas = range(T).map((t) => `      { let w = ${P}[row + ${t}u];${samples.map((s) => ` a${t}_${s} = fma(w, in_${s}, a${t}_${s});`).join('')} }`);
        const stores = range(T).flatMap((t) => samples.map((s) => `    ${net}_y${l}_${s}[${j0} + ${t}u] = act_${activation}(a${t}_${s});`));
        return `${acc.join('\n')}
    for (var k = 0u; k < ${K}u; k++) {
${samples.map((s) => `      let in_${s} = ${input(s)}[k];`).join('\n')}
      let row = ${W}u + k * ${J}u + ${j0};
${fmas.join('\n')}
    }
${stores.join('\n')}`;
      }),
    );
  });
  // dz of the head: dL/d out = out
  const head = layers[last]!;
  for (const s of samples) {
    lines.push(`  var ${net}_d${last}_${s}: array<f32, ${head.outputs}>;`);
    lines.push(`  for (var j = 0u; j < ${head.outputs}u; j++) { let y = ${net}_y${last}_${s}[j]; ${net}_d${last}_${s}[j] = y * act_${head.activation}_grad(y); }`);
  }
  for (let l = last; l > 0; l--) {
    const { inputs: K, outputs: J, weightOffset: W } = layers[l]!;
    const below = layers[l - 1]!.activation;
    for (const s of samples) lines.push(`  var ${net}_d${l - 1}_${s}: array<f32, ${K}>;`);
    lines.push(
      forEachTile(K, (k0, T) => {
        const acc = range(T).flatMap((t) => samples.map((s) => `    var a${t}_${s} = 0.0;`));
        const fmas = range(T).map((t) => `      { let w = ${P}[${W}u + (${k0} + ${t}u) * ${J}u + j];${samples.map((s) => ` a${t}_${s} = fma(w, dz_${s}, a${t}_${s});`).join('')} }`);
        const stores = range(T).flatMap((t) =>
          samples.map((s) => `    ${net}_d${l - 1}_${s}[${k0} + ${t}u] = a${t}_${s} * act_${below}_grad(${net}_y${l - 1}_${s}[${k0} + ${t}u]);`),
        );
        return `${acc.join('\n')}
    for (var j = 0u; j < ${J}u; j++) {
${samples.map((s) => `      let dz_${s} = ${net}_d${l}_${s}[j];`).join('\n')}
${fmas.join('\n')}
    }
${stores.join('\n')}`;
      }),
    );
  }
  for (const s of samples) {
    const guard = `valid_${s}`;
    for (let l = 0; l <= last; l++) {
      lines.push(`  if (${guard}) { for (var j = 0u; j < ${layers[l]!.outputs}u; j++) { scratch[(${rowBase + rows.deltas[l]!}u + j) * dims.stride + i_${s}] = ${net}_d${l}_${s}[j]; } }`);
      if (l < last) lines.push(`  if (${guard}) { for (var j = 0u; j < ${layers[l]!.outputs}u; j++) { scratch[(${rowBase + rows.activations[l]!}u + j) * dims.stride + i_${s}] = ${net}_y${l}_${s}[j]; } }`);
    }
  }
  return lines.join('\n');
}

export class FusedBench {
  readonly table = new ParamTable();
  readonly nets: Record<Net, MlpLayer[]>;
  readonly paramsData: Float32Array;
  readonly obsData: Float32Array;
  readonly params: GPUBuffer;
  readonly obs: GPUBuffer;
  readonly scratch: GPUBuffer;
  readonly dims: GPUBuffer;
  readonly rowCount: number;

  constructor(
    private readonly gpu: Gpu,
    readonly batch: number,
  ) {
    this.nets = {
      actor: addMlp(this.table, 'actor', { inputs: OBS, hidden: HIDDEN, outputs: HEADS.actor }),
      critic: addMlp(this.table, 'critic', { inputs: OBS, hidden: HIDDEN, outputs: HEADS.critic }),
    };
    this.paramsData = new Float32Array(this.table.size);
    initMlp(this.paramsData, this.nets.actor, { seed: 3, outputGain: 1, stream: 0 });
    initMlp(this.paramsData, this.nets.critic, { seed: 3, outputGain: 1, stream: 1 });
    for (let i = 0; i < this.paramsData.length; i++) if (this.paramsData[i] === 0) this.paramsData[i] = 0.05 * Math.sin(i);
    this.obsData = new Float32Array(OBS * batch);
    for (let i = 0; i < this.obsData.length; i++) this.obsData[i] = Math.sin(0.37 * i + 1);
    this.rowCount = rowsOf('actor').count + rowsOf('critic').count;
    this.params = gpu.buffer({ label: 'FusedBench.params', size: this.table.byteSize, data: this.paramsData });
    this.obs = gpu.buffer({ label: 'FusedBench.obs', size: this.obsData.byteLength, data: this.obsData });
    this.scratch = gpu.buffer({ label: 'FusedBench.scratch', size: this.rowCount * batch * 4 });
    this.dims = gpu.buffer({
      label: 'FusedBench.dims',
      size: 16,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      data: new Uint32Array([batch, batch, 0, 0]),
    });
  }

  private inline(net: Net, base: number): InlineLayer[] {
    return this.nets[net].map((l) => ({
      inputs: l.shape.inputs,
      outputs: l.shape.outputs,
      activation: l.shape.activation as Activation,
      weightOffset: l.weight.offset - base,
      biasOffset: l.bias.offset - base,
    }));
  }

  /** The first and one-past-last float of a network's parameters. */
  private span(net: Net): [number, number] {
    const layers = this.nets[net];
    return [layers[0]!.weight.offset, layers[layers.length - 1]!.bias.offset + layers[layers.length - 1]!.bias.size];
  }

  wgsl(v: FusedVariant): string {
    const WG = v.workgroup;
    const S = v.code === 'tiled' ? (v.samples ?? 1) : 1;
    const staged = v.weights === 'workgroup';
    const stageSize = Math.max(...NETS.map((n) => this.span(n)[1] - this.span(n)[0]));
    const library = NETS.map((net) => (v.code === 'arrays' ? mlpInlineWgsl(net, this.inline(net, staged ? this.span(net)[0] : 0), staged ? 'ws' : 'params') : '')).join('\n');
    let rowBase = 0;
    const bodies = NETS.map((net) => {
      const [start, end] = this.span(net);
      const inline = this.inline(net, staged ? start : 0);
      const P = staged ? 'ws' : 'params';
      const code =
        v.code === 'arrays'
          ? arraysCode(net, inline, rowBase)
          : v.code === 'tiled'
            ? tiledCode(net, inline, P, rowBase, v.tile ?? 8, S)
            : registersCode(net, inline, P, rowBase);
      rowBase += rowsOf(net).count;
      if (!staged) return `  {\n${code}\n  }`;
      return `  workgroupBarrier();
  for (var s = lane; s < ${end - start}u; s += ${WG}u) { ws[s] = params[${start}u + s]; }
  workgroupBarrier();
  {
${code}
  }`;
    });
    return `${activationLibraryWgsl}
${linearIndexWgsl}
struct Dims { batch: u32, stride: u32, unused0: u32, unused1: u32 }
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> params: array<f32>;
@group(0) @binding(2) var<storage, read> obs: array<f32>;
@group(0) @binding(3) var<storage, read_write> scratch: array<f32>;
${staged ? `var<workgroup> ws: array<f32, ${stageSize}>;` : ''}
${library}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lane: u32) {
  let i0 = linear_index(gid, nwg, ${WG}u);
  // No early return: the staged variants have barriers, which need uniform control flow.
  let valid = i0 < dims.batch;
  let i = min(i0, dims.batch - 1u);
${
  v.code === 'arrays'
    ? `  var x: array<f32, ${OBS}>;\n${range(OBS).map((k) => `  x[${k}] = obs[${k}u * dims.stride + i];`).join('\n')}`
    : v.code === 'tiled'
      ? `  let base = (i0 / ${WG}u) * ${WG * S}u + i0 % ${WG}u;\n` +
        range(S)
          .map(
            (s) =>
              `  let valid_${s} = base + ${s * WG}u < dims.batch;\n  let i_${s} = min(base + ${s * WG}u, dims.batch - 1u);\n  var x_${s}: array<f32, ${OBS}>;\n` +
              range(OBS).map((k) => `  x_${s}[${k}] = obs[${k}u * dims.stride + i_${s}];`).join('\n'),
          )
          .join('\n')
      : range(OBS).map((k) => `  let x${k} = obs[${k}u * dims.stride + i];`).join('\n')
}
${bodies.join('\n')}
}
`;
  }

  async dispatch(v: FusedVariant): Promise<Dispatch> {
    const pipeline = await this.gpu.pipelines.pipeline({
      label: `FusedBench.${v.code}.${v.weights}`,
      key: `FusedBench:${JSON.stringify(v)}`,
      entryPoint: 'main',
      build: () => this.wgsl(v),
    });
    const group = bindBuffers(this.gpu.device, 'FusedBench.group', pipeline.getBindGroupLayout(0), [this.dims, this.params, this.obs, this.scratch]);
    const samples = v.code === 'tiled' ? (v.samples ?? 1) : 1;
    return { pipeline, group, workgroups: gridFor(Math.ceil(this.batch / samples), v.workgroup, this.gpu.limits.maxComputeWorkgroupsPerDimension) };
  }

  /** Runs the variant once and checks every scratch row against a float64 reference. */
  async validate(v: FusedVariant, d: Dispatch): Promise<void> {
    this.gpu.write(this.scratch, 0, new Float32Array(this.rowCount * this.batch));
    const recorder = new Recorder(this.gpu, 'FusedBench.validate');
    recorder.dispatch(d.pipeline, d.group, d.workgroups);
    recorder.submit();
    const got = await readFloat32(this.gpu, this.scratch, this.rowCount * this.batch);
    const want = this.reference();
    for (let i = 0; i < want.length; i++) {
      const r = want[i]!;
      if (!(Math.abs(got[i]! - r) <= 2e-4 + 1e-4 * Math.abs(r))) {
        throw new Error(`${fusedLabel(v)}: scratch element ${i} (row ${Math.floor(i / this.batch)}) is ${got[i]}, reference ${r}`);
      }
    }
  }

  private referenceRows: Float64Array | undefined;

  private reference(): Float64Array {
    if (this.referenceRows) return this.referenceRows;
    const out = new Float64Array(this.rowCount * this.batch);
    const p = this.paramsData;
    const B = this.batch;
    let rowBase = 0;
    for (const net of NETS) {
      const layers = this.nets[net];
      const rows = rowsOf(net);
      for (let b = 0; b < B; b++) {
        const ys: number[][] = [];
        let input = range(OBS).map((k) => this.obsData[k * B + b]!);
        for (const layer of layers) {
          const { inputs: K, outputs: J, activation } = layer.shape;
          const y = range(J).map((j) => {
            let z = p[layer.bias.offset + j]!;
            for (let k = 0; k < K; k++) z += p[layer.weight.offset + k * J + j]! * input[k]!;
            return activation === 'tanh' ? Math.tanh(z) : activation === 'relu' ? Math.max(0, z) : z;
          });
          ys.push(y);
          input = y;
        }
        const grad = (act: string, y: number) => (act === 'tanh' ? 1 - y * y : act === 'relu' ? (y > 0 ? 1 : 0) : 1);
        const last = layers.length - 1;
        let dz = ys[last]!.map((y) => y * grad(layers[last]!.shape.activation, y));
        for (let l = last; l >= 0; l--) {
          dz.forEach((v, j) => (out[(rowBase + rows.deltas[l]! + j) * B + b] = v));
          if (l === 0) break;
          const { inputs: K, outputs: J } = layers[l]!.shape;
          const below = ys[l - 1]!;
          below.forEach((v, k) => (out[(rowBase + rows.activations[l - 1]! + k) * B + b] = v));
          dz = range(K).map((k) => {
            let s = 0;
            for (let j = 0; j < J; j++) s += p[layers[l]!.weight.offset + k * J + j]! * dz[j]!;
            return s * grad(layers[l - 1]!.shape.activation, below[k]!);
          });
        }
      }
      rowBase += rows.count;
    }
    this.referenceRows = out;
    return out;
  }

  destroy(): void {
    for (const b of [this.params, this.obs, this.scratch, this.dims]) b.destroy();
  }
}
