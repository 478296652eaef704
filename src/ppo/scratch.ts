/**
 * The per-sample scratch of one minibatch chunk, written by the fused forward/loss/backward kernel and reduced by
 * the gradient kernel: rows of CHUNK floats (feature-major, column = sample of the chunk).
 *
 *   input rows:  x [obs]; with encoders: the actor's and the critic's convolution outputs (inputs of layer 0) and
 *                their dL/dz (read by the convolution's gradient kernel, src/ppo/convGradients.wgsl.ts);
 *                actor activations a_0..a_{L-2}; critic activations c_0..c_{L-2}  (inputs of layers 1..L-1)
 *   delta rows:  actor dL/dz_0..dL/dz_{L-1}; critic dL/dz_0..dL/dz_{L-1}   (pre-activation gradients, already /MB)
 *   stat rows:   per-sample loss terms (Stat.rows of them, see Stat; another count for other passes), already /MB
 *   logstd rows: dL/d actor_logstd per sample (box only), already /MB
 *
 * (TRPO's actor-only passes leave the critic's rows out and have their own statistics; its critic regression leaves
 * the actor's rows and the log-std rows out: ScratchOptions), and the
 * task table of the gradient kernel: one task per KT x JT tile of each layer's [W; b] (the bias row is an input
 * of ones), plus row sums for the stats (into the minibatch record) and the log-std gradient.
 */
import type { AgentLayout } from '../agent/agent.js';
import type { MlpLayer } from '../nn/mlp.js';
import type { ConvLayer } from '../nn/conv.js';

/** Floats of the last convolution's output. */
function encoderOutputs(conv: ConvLayer[]): number {
  const { outHeight, outWidth, outputChannels } = conv.at(-1)!.shape;
  return outHeight * outWidth * outputChannels;
}

/** Per-sample statistics summed into each minibatch's record (means after the 1/MB factor). */
export const Stat = {
  policyLoss: 0,
  valueLoss: 1,
  entropy: 2,
  oldApproxKl: 3,
  approxKl: 4,
  clipFraction: 5,
  /** Exact KL(pi_old || pi) (PPO-Penalty; 0 for PPO-Clip). */
  kl: 6,
  rows: 7,
} as const;

/** Floats per minibatch record: the stat means, then a 'done' flag (1 when the minibatch was not skipped). */
export const RECORD_WORDS = 8;
export const RECORD_DONE = 7;

/**
 * How the gradient kernel splits [W; b] into tasks: tiles of tileK rows by tileJ columns, each summed over the
 * chunk by `lanes` invocations of one workgroup (then added in workgroup memory), or by one invocation alone
 * (lanes = 1: no workgroup memory, no barrier; 64 tasks per workgroup).
 */
export interface GradientTiling {
  tileK: number;
  tileJ: number;
  lanes: number;
}

/**
 * Large chunks: few lanes with big tiles keep the workgroup-memory reduction small next to the FMAs (16 lanes of
 * 8 x 16 tiles were the fastest of the shapes tried on lavapipe, at minibatches of 1024 and 4096).
 */
export const SHARED_TILING: GradientTiling = { tileK: 8, tileJ: 16, lanes: 16 };
/**
 * Small chunks: one invocation per 4 x 4 tile sums the whole chunk. A workgroup of the shared tiling costs a
 * barrier and its workgroup memory whatever the chunk, which SwiftShader pays dearly; the direct tiling wins on
 * both software adapters at small chunks, the shared one on lavapipe from about a thousand samples. Hence direct
 * up to DIRECT_TILING_MAX_CHUNK samples (bench/kernels/gradients.ts measures the rule on the adapter in use).
 */
export const DIRECT_TILING: GradientTiling = { tileK: 4, tileJ: 4, lanes: 1 };
export const DIRECT_TILING_MAX_CHUNK = 512;

/** The gradient kernel's tiling for chunks of `chunk` samples. */
export function gradientTilingFor(chunk: number): GradientTiling {
  return chunk <= DIRECT_TILING_MAX_CHUNK ? DIRECT_TILING : SHARED_TILING;
}

/** u32 words per task. */
export const TASK_WORDS = 9;
export const TaskDestination = { grads: 0, record: 1 } as const;

export interface GradientTask {
  /** First scratch row of the layer input (unused when inputs = 0). */
  inputRow: number;
  /** First scratch row of dL/dz (or of the rows to sum). */
  deltaRow: number;
  inputs: number;
  outputs: number;
  k0: number;
  j0: number;
  /** Where dW[k][j] goes: weightOffset + k * outputs + j; db[j] (or a row sum) goes to biasOffset + j. */
  weightOffset: number;
  biasOffset: number;
  destination: number;
}

export interface ScratchOptions {
  /** Rows and tasks for the actor (and the log-std); default true. False: TRPO's critic regression. */
  actor?: boolean;
  /** Rows and tasks for the critic too; default true (PPO). */
  critic?: boolean;
  /** Rows of per-sample statistics; default Stat.rows (PPO's). */
  statRows?: number;
}

export class ScratchLayout {
  readonly xRow = 0;
  readonly actorActivationRows: number[] = [];
  readonly criticActivationRows: number[] = [];
  readonly actorDeltaRows: number[] = [];
  readonly criticDeltaRows: number[] = [];
  /** First row of each encoder's output a[p][c] (p·Cout + c) and of its dL/dz (undefined without an encoder). */
  readonly actorConvRow: number | undefined;
  readonly criticConvRow: number | undefined;
  readonly actorConvDeltaRow: number | undefined;
  readonly criticConvDeltaRow: number | undefined;
  readonly statRow: number;
  readonly logstdRow: number;
  readonly rows: number;

  /** Rows of per-sample statistics (summed into the record by the gradient kernel). */
  readonly statRows: number;
  /** Whether the critic has rows and tasks (PPO); TRPO's actor step has none. */
  readonly critic: boolean;
  /** Whether the actor has rows and tasks (PPO); TRPO's critic regression has none. */
  readonly actor: boolean;

  constructor(
    readonly agent: AgentLayout,
    options: ScratchOptions = {},
  ) {
    this.critic = options.critic ?? true;
    this.actor = options.actor ?? true;
    if (!this.actor && !this.critic) throw new RangeError('ScratchLayout: actor and critic are both false; expected rows for at least one network');
    this.statRows = options.statRows ?? Stat.rows;
    let row = agent.architecture.observationSize;
    // The encoders' outputs (inputs of dense layer 0) and their gradients dL/dz of the convolution.
    const convRows = (conv: ConvLayer[], enabled: boolean) => {
      if (!enabled || conv.length === 0) return undefined;
      const start = row;
      row += encoderOutputs(conv);
      return start;
    };
    this.actorConvRow = convRows(agent.actorConv, this.actor);
    this.criticConvRow = convRows(agent.criticConv, this.critic);
    this.actorConvDeltaRow = convRows(agent.actorConv, this.actor);
    this.criticConvDeltaRow = convRows(agent.criticConv, this.critic);
    const place = (layers: MlpLayer[], into: number[]) => {
      for (const layer of layers.slice(0, -1)) {
        into.push(row);
        row += layer.shape.outputs;
      }
    };
    const critic = this.critic ? agent.critic : [];
    const actor = this.actor ? agent.actor : [];
    place(actor, this.actorActivationRows);
    place(critic, this.criticActivationRows);
    for (const [layers, into] of [
      [actor, this.actorDeltaRows],
      [critic, this.criticDeltaRows],
    ] as const) {
      for (const layer of layers) {
        into.push(row);
        row += layer.shape.outputs;
      }
    }
    this.statRow = row;
    row += this.statRows;
    this.logstdRow = row;
    row += this.logstdSize;
    this.rows = row;
  }

  /** Log-std rows: the Gaussian actor's, when the actor has rows. */
  get logstdSize(): number {
    return this.actor && this.agent.logstd ? this.agent.logstd.size : 0;
  }

  /** The gradient kernel's tasks for `tiling`: the tiles of every layer's [W; b], then the row sums. */
  gradientTasks(tiling: GradientTiling): GradientTask[] {
    const { agent } = this;
    const { tileK, tileJ } = tiling;
    const tasks: GradientTask[] = [];
    const layerTasks = (layers: MlpLayer[], activationRows: number[], deltaRows: number[], firstInputRow: number) =>
      layers.forEach((layer, l) => {
        const { inputs, outputs } = layer.shape;
        for (let k0 = 0; k0 < inputs + 1; k0 += tileK) {
          for (let j0 = 0; j0 < outputs; j0 += tileJ) {
            tasks.push({
              inputRow: l === 0 ? firstInputRow : activationRows[l - 1]!,
              deltaRow: deltaRows[l]!,
              inputs,
              outputs,
              k0,
              j0,
              weightOffset: layer.weight.offset,
              biasOffset: layer.bias.offset,
              destination: TaskDestination.grads,
            });
          }
        }
      });
    if (this.actor) layerTasks(agent.actor, this.actorActivationRows, this.actorDeltaRows, this.actorConvRow ?? this.xRow);
    if (this.critic) layerTasks(agent.critic, this.criticActivationRows, this.criticDeltaRows, this.criticConvRow ?? this.xRow);
    const rowSums = (deltaRow: number, count: number, offset: number, destination: number) => {
      for (let j0 = 0; j0 < count; j0 += tileJ) {
        tasks.push({ inputRow: 0, deltaRow, inputs: 0, outputs: count, k0: 0, j0, weightOffset: 0, biasOffset: offset, destination });
      }
    };
    if (this.logstdSize > 0) rowSums(this.logstdRow, this.logstdSize, agent.logstd!.offset, TaskDestination.grads);
    // The stat sums go to the record; its offset is added by the kernel (record index x RECORD_WORDS).
    rowSums(this.statRow, this.statRows, 0, TaskDestination.record);
    return tasks;
  }

  /** A task table as u32 words, TASK_WORDS per task, in GradientTask's field order. */
  static taskWords(tasks: GradientTask[]): Uint32Array<ArrayBuffer> {
    const words = new Uint32Array(tasks.length * TASK_WORDS);
    tasks.forEach((t, i) =>
      words.set([t.inputRow, t.deltaRow, t.inputs, t.outputs, t.k0, t.j0, t.weightOffset, t.biasOffset, t.destination], i * TASK_WORDS),
    );
    return words;
  }
}
