/**
 * A policy as an ONNX model, for engines that run ONNX (Unity's Sentis, onnxruntime in Godot or elsewhere): the
 * actor of a CpuPolicy (src/cpuPolicy.ts, whose `head` and deterministic `actSync` are what the graph reproduces),
 * with the observation normalisation inside the graph, in operator set 15 (IR version 8), float32 throughout.
 *
 *   input   obs       float32 [batch, observationSize], or [batch, ...observationShape] when the environment
 *                     declares a shape (flattened row-major in the graph, as the engine flattens it); batch is the
 *                     symbolic dimension 'batch'
 *   x       = obs, or clip((obs - mean) / sqrt(var + 1e-8), -clip_obs, clip_obs) when the policy normalises
 *   h_l     = f_l(h_{l-1} W_l + b_l)                  (Gemm, then Tanh / Relu / nothing for identity), h_0 = x
 *   encoder (grid policies): h_0 = flatten(relu(conv(x))) in (y, x, channel) order: x [batch, H, W, C] is
 *             transposed to NCHW for Conv (weight [Cout, Cin, k, k], valid padding, stride 1), Relu, and transposed
 *             back to [batch, H', W', Cout] before Flatten, so h_0 is the engine's layout
 *   discrete:  logits  float32 [batch, n]             the last layer's output
 *              action  int64   [batch]                argmax of the logits, the first index among equal maxima
 *   multi-discrete (nvec):
 *              logits  float32 [batch, Σ nvec]        every head's logits, concatenated
 *              action  int64   [batch, heads]         each head's argmax (its slice taken by a 0/1 selection Gemm,
 *                                                     exact: x·1 + 0·others)
 *   action masks (environments with actionMask): input action_mask float32 [batch, Σ nvec] (1 allowed, 0 not);
 *              logits are then the masked logits (-1e30 where masked, as the engine's kernels set them), so no
 *              masked action is chosen
 *   box:       mean    float32 [batch, A]             the last layer's output
 *              log_std float32 [batch, A]             actor_logstd (state-independent), repeated for every row
 *              action  float32 [batch, A]             min(max(mean, low), high): the mean clipped to the box
 *
 * `action` is what `actSync(obs, { deterministic: true })` gives; sampling is left to the engine (a categorical
 * draw from softmax(logits), or mean + exp(log_std) * N(0, 1) clipped to the box), which has the outputs for it.
 */
import { ACTIVATIONS, type Activation } from '../../shaders/activations.js';
import { policyOutputs } from '../agent/agent.js';
import { NORM_EPSILON } from '../agent/normalizer.wgsl.js';
import { CpuPolicy } from '../cpuPolicy.js';
import { describeValue, EnvInputError } from '../envs/errors.js';
import { categoricalHeads, type ActionSpace, type EnvSpec } from '../envs/spec.js';
import { validateSpecFields } from '../envs/validate.js';
import { GpuPolicy } from '../policy.js';
import { encodeModel, type FloatTensor, type IntAttribute, type Node, type ValueInfo } from './model.js';

/** The ai.onnx operator set the graph is written for: within Sentis' 7 to 15, and onnxruntime's. */
export const ONNX_OPSET = 15;
/** The IR version that goes with operator set 15 (ONNX 1.10). */
export const ONNX_IR_VERSION = 8;

const BATCH = 'batch';

/** Each activation of src/nn as its ONNX operator (identity: none); an activation added there must be mapped here. */
const ONNX_ACTIVATIONS: Record<Activation, string | null> = { tanh: 'Tanh', relu: 'Relu', identity: null };

/** A policy that cannot be exported, naming the field, its value and what was expected. */
export class OnnxExportError extends Error {
  override name = 'OnnxExportError';
  constructor(
    readonly field: string,
    readonly got: string,
    readonly expected: string,
  ) {
    super(`exportOnnx(policy): ${field} is ${got}; expected ${expected}`);
  }
}

/** The graph under construction: nodes in the order they are added (so topologically sorted), constants, interface. */
class GraphBuilder {
  readonly nodes: Node[] = [];
  readonly initializers: FloatTensor[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];

  constant(name: string, dims: number[], values: ArrayLike<number>): string {
    this.initializers.push({ name, dims, values });
    return name;
  }

  /** A node computing the value `output` (which also names the node); returns `output`. */
  node(opType: string, inputs: string[], output: string, attributes?: IntAttribute[]): string {
    this.nodes.push({ opType, inputs, outputs: [output], name: output, ...(attributes ? { attributes } : {}) });
    return output;
  }
}

/** The name of the actor's last output: the logits (discrete, multi-discrete) or the Gaussian's means (box). */
function headName(action: ActionSpace, masked: boolean): string {
  return action.type === 'box' ? 'mean' : masked ? 'logits.unmasked' : 'logits';
}

/** The engine's logit for a masked action (shaders/distributions.ts MASKED_LOGIT). */
const MASKED_LOGIT = -1e30;

/**
 * The action head: from the actor's last output `head` ([batch, policyOutputs]) to the graph's outputs. Every
 * action space is handled here alone; another head (several discrete sub-spaces, a mask input) is another case of
 * this function, adding its inputs to `graph.inputs` and its outputs to `graph.outputs`.
 */
function actionHead(graph: GraphBuilder, action: ActionSpace, head: string, logstd: Float32Array | undefined, masked: boolean): void {
  const heads = categoricalHeads(action);
  if (heads && masked) {
    const A = heads.reduce((a, b) => a + b, 0);
    graph.inputs.push({ name: 'action_mask', elementType: 'float', shape: [BATCH, A] });
    const allowed = graph.node('Greater', ['action_mask', graph.constant('action_mask.threshold', [], [0.5])], 'action_mask.allowed');
    head = graph.node('Where', [allowed, head, graph.constant('action_mask.masked_logit', [], [MASKED_LOGIT])], 'logits');
  }
  if (action.type === 'multiDiscrete') {
    const A = action.nvec.reduce((a, b) => a + b, 0);
    let start = 0;
    const choices = action.nvec.map((n, h) => {
      // The head's slice of the logits as a product with a 0/1 selection matrix [A, n].
      const select = new Float32Array(A * n);
      for (let j = 0; j < n; j++) select[(start + j) * n + j] = 1;
      start += n;
      const slice = graph.node('MatMul', [head, graph.constant(`action.head${h}.select`, [A, n], select)], `logits.head${h}`);
      return graph.node('ArgMax', [slice], `action.head${h}`, [
        { name: 'axis', value: 1 },
        { name: 'keepdims', value: 1 },
        { name: 'select_last_index', value: 0 },
      ]);
    });
    graph.node('Concat', choices, 'action', [{ name: 'axis', value: 1 }]);
    graph.outputs.push(
      { name: 'action', elementType: 'int64', shape: [BATCH, action.nvec.length] },
      { name: head, elementType: 'float', shape: [BATCH, A] },
    );
    return;
  }
  if (action.type === 'discrete') {
    graph.node('ArgMax', [head], 'action', [
      { name: 'axis', value: 1 },
      { name: 'keepdims', value: 0 },
      { name: 'select_last_index', value: 0 },
    ]);
    graph.outputs.push(
      { name: 'action', elementType: 'int64', shape: [BATCH] },
      { name: head, elementType: 'float', shape: [BATCH, action.n] },
    );
    return;
  }
  const A = action.size;
  const low = graph.constant('action.low', [A], action.low);
  const high = graph.constant('action.high', [A], action.high);
  graph.node('Min', [graph.node('Max', [head, low], 'action.above_low'), high], 'action');
  // log_std does not depend on the observation: [A] repeated to the mean's shape [batch, A].
  graph.node('Expand', [graph.constant('actor_logstd', [A], logstd!), graph.node('Shape', [head], 'mean.shape')], 'log_std');
  graph.outputs.push(
    { name: 'action', elementType: 'float', shape: [BATCH, A] },
    { name: head, elementType: 'float', shape: [BATCH, A] },
    { name: 'log_std', elementType: 'float', shape: [BATCH, A] },
  );
}

/**
 * The bytes of an .onnx file computing `policy`'s actor (see the header for the inputs and outputs). `policy`: a
 * CpuPolicy, as `loadPolicy(file, { backend: 'cpu' })` gives it. Everything is checked before anything is built.
 */
export function exportOnnx(policy: CpuPolicy): Uint8Array<ArrayBuffer> {
  const { spec, layers, logstd, normalization } = checkPolicy(policy);
  const O = spec.observationSize;
  const graph = new GraphBuilder();
  const obsShape = spec.observationShape ?? [O];
  graph.inputs.push({ name: 'obs', elementType: 'float', shape: [BATCH, ...obsShape] });
  const conv = policy.conv;
  // With an encoder the observation keeps its grid shape (the normalisation's constants take it too).
  let x = obsShape.length > 1 && !conv ? graph.node('Flatten', ['obs'], 'obs.flat', [{ name: 'axis', value: 1 }]) : 'obs';
  const normShape = conv ? obsShape : [O];
  if (normalization) {
    // The denominator sqrt(var + 1e-8) once, in float64 rounded to float32 (CpuPolicy computes it in float64).
    const std = Float32Array.from(normalization.variance, (v) => Math.sqrt(v + NORM_EPSILON));
    const centred = graph.node('Sub', [x, graph.constant('obs_norm.mean', normShape, normalization.mean)], 'obs_norm.centred');
    const scaled = graph.node('Div', [centred, graph.constant('obs_norm.std', normShape, std)], 'obs_norm.scaled');
    const c = normalization.clipObs;
    x = graph.node('Clip', [scaled, graph.constant('obs_norm.clip_low', [], [-c]), graph.constant('obs_norm.clip_high', [], [c])], 'obs_norm.clipped');
  }
  if (conv) {
    const { kernel: K, inputChannels: C, outputChannels: Co } = conv;
    // The engine's weight [k, k, Cin, Cout] as ONNX's [Cout, Cin, k, k].
    const weight = new Float32Array(Co * C * K * K);
    for (let ky = 0; ky < K; ky++) for (let kx = 0; kx < K; kx++) for (let ci = 0; ci < C; ci++) for (let c = 0; c < Co; c++) {
      weight[((c * C + ci) * K + ky) * K + kx] = conv.weight[((ky * K + kx) * C + ci) * Co + c]!;
    }
    const nchw = graph.node('Transpose', [x], 'actor.conv0.input', [{ name: 'perm', value: [0, 3, 1, 2] }]);
    const z = graph.node('Conv', [nchw, graph.constant('actor.conv0.weight', [Co, C, K, K], weight), graph.constant('actor.conv0.bias', [Co], conv.bias)], 'actor.conv0.z');
    const nhwc = graph.node('Transpose', [graph.node('Relu', [z], 'actor.conv0.out')], 'actor.conv0.out.hwc', [{ name: 'perm', value: [0, 2, 3, 1] }]);
    x = graph.node('Flatten', [nhwc], 'actor.conv0.flat', [{ name: 'axis', value: 1 }]);
  }
  layers.forEach((layer, l) => {
    const last = l === layers.length - 1;
    const weight = graph.constant(`actor.${l}.weight`, [layer.inputs, layer.outputs], layer.weight);
    const bias = graph.constant(`actor.${l}.bias`, [layer.outputs], layer.bias);
    const output = last ? headName(spec.action, spec.actionMask === true) : `actor.${l}.out`;
    // Gemm: x [batch, inputs] times W [inputs, outputs] (stored row-major as the engine stores it), plus b.
    const activation = ONNX_ACTIVATIONS[layer.activation];
    x = activation === null ? graph.node('Gemm', [x, weight, bias], output) : graph.node(activation, [graph.node('Gemm', [x, weight, bias], `actor.${l}.z`)], output);
  });
  actionHead(graph, spec.action, x, logstd, spec.actionMask === true);
  const docString = `webgpu-rl policy for ${spec.id}: ${describeOnnxInterface(spec, normalization?.clipObs)}`;
  return encodeModel({
    irVersion: ONNX_IR_VERSION,
    opsetVersion: ONNX_OPSET,
    producerName: 'webgpu-rl',
    docString,
    metadata: { env: JSON.stringify(spec) },
    graph: { name: 'policy', nodes: graph.nodes, initializers: graph.initializers, inputs: graph.inputs, outputs: graph.outputs, docString },
  });
}

/**
 * The exported model's input and outputs in words, e.g. `input obs float32 [batch, 4]; outputs action int64 [batch]
 * (argmax of the logits), logits float32 [batch, 2]` (the model's doc string, and what the CLI prints).
 */
export function describeOnnxInterface(spec: EnvSpec, clipObs?: number): string {
  const action = spec.action;
  return (
    `input obs float32 [batch, ${(spec.observationShape ?? [spec.observationSize]).join(', ')}]` +
    (clipObs !== undefined ? ` (normalised in the graph: clip((obs - mean) / sqrt(var + 1e-8), ±${clipObs}))` : '') +
    (spec.actionMask ? `; input action_mask float32 [batch, ${policyOutputs(action)}] (1 allowed, 0 not)` : '') +
    (action.type === 'discrete'
      ? `; outputs action int64 [batch] (argmax of the ${spec.actionMask ? 'masked ' : ''}logits), logits float32 [batch, ${action.n}]`
      : action.type === 'multiDiscrete'
        ? `; outputs action int64 [batch, ${action.nvec.length}] (each head's argmax), logits float32 [batch, ${policyOutputs(action)}] (heads [${action.nvec.join(', ')}] concatenated${spec.actionMask ? ', masked' : ''})`
        : `; outputs action float32 [batch, ${action.size}] (the mean clipped to [low, high]), mean and log_std float32 [batch, ${action.size}]`)
  );
}

/** The parts of `policy` the export reads, each checked: sizes that chain, finite values, a valid spec. */
function checkPolicy(policy: unknown): Pick<CpuPolicy, 'layers' | 'logstd' | 'normalization'> & { spec: EnvSpec } {
  if (!(policy instanceof CpuPolicy)) {
    if (policy instanceof GpuPolicy) {
      throw new OnnxExportError('policy', 'a GpuPolicy', "a CpuPolicy: load the policy file with loadPolicy(file, { backend: 'cpu' })");
    }
    throw new OnnxExportError('policy', describeValue(policy), "a CpuPolicy, as loadPolicy(file, { backend: 'cpu' }) gives it");
  }
  let spec: EnvSpec;
  try {
    spec = validateSpecFields('exportOnnx(policy)', policy.spec);
  } catch (error) {
    if (error instanceof EnvInputError) throw new OnnxExportError(`spec.${error.field}`, error.got, error.expected);
    throw error;
  }
  const floats = (field: string, values: unknown, length: number, check: (v: number) => boolean = Number.isFinite, what = 'finite') => {
    if (!(values instanceof Float32Array) || values.length !== length) throw new OnnxExportError(field, describeValue(values), `a Float32Array of length ${length}`);
    const bad = values.findIndex((v) => !check(v));
    if (bad >= 0) throw new OnnxExportError(`${field}[${bad}]`, describeValue(values[bad]), `a ${what} number`);
  };
  const { layers, logstd, normalization } = policy;
  if (!Array.isArray(layers) || layers.length === 0) throw new OnnxExportError('layers', describeValue(layers), 'a non-empty array of layers');
  let width = spec.observationSize;
  const conv = policy.conv;
  if (conv) {
    const shape = spec.observationShape;
    const { height: H, width: W, inputChannels: C, kernel: K, outputChannels: Co, outHeight, outWidth } = conv;
    if (shape?.length !== 3 || shape[0] !== H || shape[1] !== W || shape[2] !== C) {
      throw new OnnxExportError('conv', `[${H}, ${W}, ${C}] (its input grid)`, `spec.observationShape ${JSON.stringify(shape ?? null)} (a grid [H, W, C])`);
    }
    if (!Number.isInteger(K) || K < 1 || K > Math.min(H, W) || outHeight !== H - K + 1 || outWidth !== W - K + 1) {
      throw new OnnxExportError('conv.kernel', describeValue(K), `an integer in 1..${Math.min(H, W)} with outHeight = H - kernel + 1 and outWidth = W - kernel + 1`);
    }
    if (!Number.isInteger(Co) || Co < 1) throw new OnnxExportError('conv.outputChannels', describeValue(Co), 'a positive integer');
    floats('conv.weight', conv.weight, K * K * C * Co);
    floats('conv.bias', conv.bias, Co);
    width = outHeight * outWidth * Co;
  }
  layers.forEach((layer, l) => {
    const field = `layers[${l}]`;
    if (layer.inputs !== width) throw new OnnxExportError(`${field}.inputs`, describeValue(layer.inputs), `${width} (${l === 0 ? (conv ? "the convolution's output size" : 'the observation size') : `layers[${l - 1}].outputs`})`);
    if (!Number.isInteger(layer.outputs) || layer.outputs < 1) throw new OnnxExportError(`${field}.outputs`, describeValue(layer.outputs), 'a positive integer');
    if (!ACTIVATIONS.includes(layer.activation)) throw new OnnxExportError(`${field}.activation`, describeValue(layer.activation), `one of ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')}`);
    floats(`${field}.weight`, layer.weight, layer.inputs * layer.outputs);
    floats(`${field}.bias`, layer.bias, layer.outputs);
    width = layer.outputs;
  });
  const outputs = policyOutputs(spec.action);
  if (width !== outputs) {
    throw new OnnxExportError(`layers[${layers.length - 1}].outputs`, String(width), `${outputs} (the ${spec.action.type === 'discrete' ? 'logits of the discrete actions' : spec.action.type === 'multiDiscrete' ? "logits of the multi-discrete heads" : 'means of the box'})`);
  }
  if (spec.action.type === 'box') floats('logstd', logstd, spec.action.size);
  if (normalization !== undefined) {
    floats('normalization.mean', normalization.mean, spec.observationSize);
    floats('normalization.variance', normalization.variance, spec.observationSize, (v) => Number.isFinite(v) && v >= 0, 'finite, non-negative');
    const c = normalization.clipObs;
    if (!(typeof c === 'number' && Number.isFinite(c) && c > 0)) throw new OnnxExportError('normalization.clipObs', describeValue(c), 'a finite number > 0');
  }
  return { spec, layers, logstd, normalization };
}
