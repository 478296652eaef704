/**
 * The agent's parameters: actor and critic MLPs (CleanRL's separate networks, default 2 x 64 tanh) and, for box
 * action spaces, the state-independent log-std `actor_logstd`, all in one flat buffer:
 *
 *   actor.0.weight [obs, h1], actor.0.bias [h1], ..., actor.L.weight [hL, actions], actor.L.bias [actions]
 *   critic.0.weight [obs, h1], ..., critic.L.weight [hL, 1], critic.L.bias [1]
 *   actor_logstd [actions]                                                  (box only)
 *
 * With an encoder (grid observations, src/nn/conv.ts) each network starts with its own convolution,
 * `actor.conv0.weight` [k, k, C, Cout] and `actor.conv0.bias` [Cout] before `actor.0.weight` (likewise the critic),
 * and its first dense layer takes the flattened convolution output instead of the observation.
 *
 * `actions` is n for a discrete space (logits), Σ nvec for a multi-discrete one (the heads' logits, concatenated) and
 * the box size for a continuous one (means).
 * Initialisation as CleanRL's ppo.py / ppo_continuous_action.py: orthogonal, gain √2 hidden, 0.01 policy head,
 * 1 value head, zero biases, zero log-std.
 */
import type { Activation } from '../../shaders/activations.js';
import type { InlineLayer } from '../../shaders/mlp.js';
import type { ActorCriticSpec } from './agent.wgsl.js';
import { addMlp, initMlp, type MlpLayer } from '../nn/mlp.js';
import { addConv, encoderOutputSize, initConv, type ConvLayer, type EncoderArchitecture } from '../nn/conv.js';
import type { InlineConv } from '../../shaders/conv.js';
import { ParamTable, type ParamView } from '../nn/params.js';
import { categoricalHeads, type ActionSpace, type EnvSpec } from '../envs/spec.js';
import type { TrainerConfig } from '../config.js';

export interface AgentArchitecture {
  observationSize: number;
  action: ActionSpace;
  /** Hidden widths of both networks. */
  hidden: number[];
  activation: Activation;
  /** A convolutional encoder in front of each network (grid observations); absent: the MLPs see the flat vector. */
  encoder?: EncoderArchitecture;
}

export class AgentLayout {
  readonly table = new ParamTable();
  readonly actor: MlpLayer[];
  readonly critic: MlpLayer[];
  /** The encoders' convolutions (empty without an encoder). */
  readonly actorConv: ConvLayer[];
  readonly criticConv: ConvLayer[];
  readonly logstd: ParamView | undefined;

  constructor(readonly architecture: AgentArchitecture) {
    const { observationSize, action, hidden, activation, encoder } = architecture;
    const inputs = encoder ? encoderOutputSize(encoder) : observationSize;
    if (encoder && encoder.inputShape.reduce((a, b) => a * b, 1) !== observationSize) {
      throw new RangeError(`AgentLayout: encoder.inputShape [${encoder.inputShape.join(', ')}] does not hold observationSize ${observationSize} floats`);
    }
    this.actorConv = encoder ? addConv(this.table, 'actor', encoder) : [];
    this.actor = addMlp(this.table, 'actor', { inputs, hidden, outputs: policyOutputs(action), activation });
    this.criticConv = encoder ? addConv(this.table, 'critic', encoder) : [];
    this.critic = addMlp(this.table, 'critic', { inputs, hidden, outputs: 1, activation });
    this.logstd = action.type === 'box' ? this.table.add('actor_logstd', [action.size]) : undefined;
  }

  /** Floats per sample at the policy head: logits (discrete) or means (box). */
  get policyOutputs(): number {
    return policyOutputs(this.architecture.action);
  }

  /** CleanRL's initial parameters, flat. */
  initialParameters(seed: number): Float32Array {
    const flat = new Float32Array(this.table.size);
    initMlp(flat, this.actor, { seed, outputGain: 0.01, stream: 0 });
    initMlp(flat, this.critic, { seed, outputGain: 1, stream: 1 });
    initConv(flat, this.actorConv, seed, 0);
    initConv(flat, this.criticConv, seed, 1);
    return flat;
  }

  /** The network's convolution for kernels that inline it (undefined without an encoder). */
  inlineConv(net: 'actor' | 'critic'): InlineConv | undefined {
    const layer = (net === 'actor' ? this.actorConv : this.criticConv)[0];
    return layer ? { ...layer.shape, weightOffset: layer.weight.offset, biasOffset: layer.bias.offset } : undefined;
  }

  /** Compile-time description for kernels that inline the networks (and the pipeline-cache key). */
  inline(net: 'actor' | 'critic'): InlineLayer[] {
    return (net === 'actor' ? this.actor : this.critic).map((layer) => ({
      ...layer.shape,
      weightOffset: layer.weight.offset,
      biasOffset: layer.bias.offset,
    }));
  }

  /**
   * The agent part of the spec of a kernel that acts (src/agent/agent.wgsl.ts): the actor inlined, and the
   * observation normalisation (clipped at `clipObs`) when `normalization` is given.
   */
  actorSpec(normalization: { clipObs: number } | undefined): ActorCriticSpec {
    return {
      obsSize: this.architecture.observationSize,
      action: this.architecture.action,
      actor: this.inline('actor'),
      actorConv: this.inlineConv('actor'),
      logstdOffset: this.logstd?.offset ?? 0,
      normObs: normalization !== undefined,
      clipObs: normalization?.clipObs ?? 10,
    };
  }

  get key(): string {
    return JSON.stringify(this.architecture);
  }
}

/** The architecture a configuration gives on an environment's spaces (the encoder on its grid, when configured). */
export function architectureFor(config: Pick<TrainerConfig, 'hidden_sizes' | 'activation' | 'encoder'>, spec: Pick<EnvSpec, 'observationSize' | 'observationShape' | 'action'>): AgentArchitecture {
  const shape = spec.observationShape;
  const encoder =
    config.encoder && shape?.length === 3
      ? { encoder: { inputShape: [shape[0]!, shape[1]!, shape[2]!] as [number, number, number], conv: config.encoder.conv.map(({ channels, kernel }) => ({ channels, kernel })) } }
      : {};
  return { observationSize: spec.observationSize, action: spec.action, hidden: [...config.hidden_sizes], activation: config.activation, ...encoder };
}

/** Floats per sample at the policy head: the logits of every categorical head (Σ nvec), or the box's means. */
export function policyOutputs(action: ActionSpace): number {
  const heads = categoricalHeads(action);
  return heads ? heads.reduce((a, b) => a + b, 0) : (action as { size: number }).size;
}

/** Floats stored per action in the rollout: one index (as f32) per categorical head, the box size otherwise. */
export function actionWidth(action: ActionSpace): number {
  return categoricalHeads(action)?.length ?? (action as { size: number }).size;
}
