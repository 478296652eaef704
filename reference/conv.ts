/**
 * Float64 references of the convolutional encoder (src/nn/conv.ts, shaders/conv.ts): valid padding, stride 1,
 * (y, x, channel) layout, weight [k, k, Cin, Cout], ReLU; and the agent's networks as the kernels run them, the
 * encoder (where the agent has one) then the MLP.
 */
import type { AgentLayout } from '../src/agent/agent.js';
import type { ConvLayer } from '../src/nn/conv.js';
import { mlpActivations, mlpBackward, mlpForward } from './mlp.js';

/** a[oy, ox, c] = relu(b[c] + sum_{ky, kx, ci} x[oy + ky, ox + kx, ci] w[ky, kx, ci, c]), flat in (y, x, c) order. */
export function convForward(theta: ArrayLike<number>, layer: ConvLayer, x: ArrayLike<number>): number[] {
  const { width: W, inputChannels: C, kernel: K, outputChannels: Co, outHeight: Ho, outWidth: Wo } = layer.shape;
  const out = new Array<number>(Ho * Wo * Co);
  for (let oy = 0; oy < Ho; oy++) {
    for (let ox = 0; ox < Wo; ox++) {
      for (let c = 0; c < Co; c++) {
        let z = theta[layer.bias.offset + c]!;
        for (let ky = 0; ky < K; ky++) {
          for (let kx = 0; kx < K; kx++) {
            for (let ci = 0; ci < C; ci++) {
              z += x[((oy + ky) * W + ox + kx) * C + ci]! * theta[layer.weight.offset + ((ky * K + kx) * C + ci) * Co + c]!;
            }
          }
        }
        out[(oy * Wo + ox) * Co + c] = Math.max(z, 0);
      }
    }
  }
  return out;
}

/**
 * Backpropagation through one convolution with output `y` (convForward) and dL/dy `dy`: dz = dy ⊙ [y > 0];
 * adds dL/dw[ky, kx, ci, c] = sum_{oy, ox} x[oy + ky, ox + kx, ci] dz[oy, ox, c] and dL/db[c] = sum dz[., ., c]
 * into `gradient`; returns dL/dx.
 */
export function convBackward(theta: ArrayLike<number>, layer: ConvLayer, x: ArrayLike<number>, y: number[], dy: number[], gradient: Float64Array): number[] {
  const { width: W, inputChannels: C, kernel: K, outputChannels: Co, outHeight: Ho, outWidth: Wo } = layer.shape;
  const dx = new Array<number>(x.length).fill(0);
  for (let oy = 0; oy < Ho; oy++) {
    for (let ox = 0; ox < Wo; ox++) {
      for (let c = 0; c < Co; c++) {
        const at = (oy * Wo + ox) * Co + c;
        const dz = y[at]! > 0 ? dy[at]! : 0;
        gradient[layer.bias.offset + c]! += dz;
        for (let ky = 0; ky < K; ky++) {
          for (let kx = 0; kx < K; kx++) {
            for (let ci = 0; ci < C; ci++) {
              const xi = ((oy + ky) * W + ox + kx) * C + ci;
              const wi = layer.weight.offset + ((ky * K + kx) * C + ci) * Co + c;
              gradient[wi]! += x[xi]! * dz;
              dx[xi]! += theta[wi]! * dz;
            }
          }
        }
      }
    }
  }
  return dx;
}

/** The encoder's activations: [x, a_0, a_1, ...] (a_i the output of convolution i). */
export function encoderActivations(theta: ArrayLike<number>, layers: ConvLayer[], x: ArrayLike<number>): number[][] {
  const as = [Array.from(x)];
  for (const layer of layers) as.push(convForward(theta, layer, as[as.length - 1]!));
  return as;
}

const netLayers = (agent: AgentLayout, net: 'actor' | 'critic') => (net === 'actor' ? { conv: agent.actorConv, mlp: agent.actor } : { conv: agent.criticConv, mlp: agent.critic });

/** The network's output: the encoder (if any), then the MLP. */
export function networkForward(theta: ArrayLike<number>, agent: AgentLayout, net: 'actor' | 'critic', obs: ArrayLike<number>): number[] {
  const { conv, mlp } = netLayers(agent, net);
  return mlpForward(theta, mlp, encoderActivations(theta, conv, obs).at(-1)!);
}

/** Forward keeping every activation (encoder's and MLP's), for networkBackward. */
export interface NetworkActivations {
  encoder: number[][];
  mlp: number[][];
}

export function networkActivations(theta: ArrayLike<number>, agent: AgentLayout, net: 'actor' | 'critic', obs: ArrayLike<number>): NetworkActivations {
  const { conv, mlp } = netLayers(agent, net);
  const encoder = encoderActivations(theta, conv, obs);
  return { encoder, mlp: mlpActivations(theta, mlp, encoder.at(-1)!) };
}

/** Backpropagation of dL/d output through the MLP and the encoder; adds every parameter's gradient. */
export function networkBackward(theta: ArrayLike<number>, agent: AgentLayout, net: 'actor' | 'critic', acts: NetworkActivations, dOutput: number[], gradient: Float64Array): void {
  const { conv, mlp } = netLayers(agent, net);
  let dy = mlpBackward(theta, mlp, acts.mlp, dOutput, gradient);
  for (let i = conv.length - 1; i >= 0; i--) dy = convBackward(theta, conv[i]!, acts.encoder[i]!, acts.encoder[i + 1]!, dy, gradient);
}
