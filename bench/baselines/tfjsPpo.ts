/**
 * The baseline a JavaScript developer would write instead of the engine: PPO (CleanRL's ppo.py /
 * ppo_continuous_action.py, same names, same hyperparameters) in TensorFlow.js, written the way TF.js's guides
 * teach it:
 *
 *   - parameters are tf.variable()s (2 x 64 tanh actor and critic, orthogonal initialisation with CleanRL's gains
 *     from tf.initializers.orthogonal, zero biases; a state-independent log-std variable for box actions);
 *   - the forward pass is plain ops (tf.matMul, tf.add, tf.tanh) inside tf.tidy;
 *   - the environments are a batch stepped in JavaScript (ReferenceVecEnv: Gymnasium's dynamics), so every step
 *     uploads the observations (tf.tensor2d) and awaits the actions (`await actions.data()`), the one readback a
 *     step needs; log-probabilities and values stay on the GPU as tensors until the rollout ends;
 *   - discrete actions are sampled with the Gumbel-max trick (argmax(logits - log(-log(U)))) in tf ops, because
 *     tf.multinomial returns 0 for every draw on tfjs-backend-webgpu 4.22 (tensorflow/tfjs issue 8057), which
 *     would keep the agent from ever learning; box actions are mean + std * tf.randomNormal;
 *   - with norm_obs / norm_reward (the defaults for box actions, as in CleanRL's continuous PPO), observations and
 *     rewards go through Gymnasium's NormalizeObservation / NormalizeReward (running statistics on the CPU, updated
 *     every step, clipped to +-10), as CleanRL's environment wrappers do;
 *   - GAE is CleanRL's backward loop over typed arrays on the CPU (one readback of the values per iteration),
 *     bootstrapping with V(final observation) on truncation as the engine does;
 *   - the update is tf.variableGrads over the clipped PPO loss (CleanRL's, with the clipped value loss and
 *     per-minibatch advantage normalisation), gradients clipped to max_grad_norm by their global norm with tf
 *     ops, and tf.train.adam(learning_rate, 0.9, 0.999, adam_eps).applyGradients; minibatches are tf.gather of a
 *     tf.util.createShuffledIndices permutation; the learning rate is annealed by setting the optimizer's
 *     learningRate field (TF.js has no scheduler);
 *   - each iteration ends by reading the last minibatch's losses (as CleanRL logs them), which also waits for
 *     the GPU, so an iteration's wall time covers all of its work.
 *
 * It runs on any TF.js backend: 'webgpu' (tfjs-backend-webgpu, the engine's adapter) or 'cpu'.
 */
import type * as TfModule from '@tensorflow/tfjs';
import type { TrainerConfig } from '../../src/config.js';
import { ReferenceVecEnv } from './batchEnv.js';

export type Tf = typeof TfModule;
type Tensor = TfModule.Tensor;
type Tensor1D = TfModule.Tensor1D;
type Tensor2D = TfModule.Tensor2D;
type Variable = TfModule.Variable;

/**
 * The hyperparameters the baseline shares with the engine, under CleanRL's names (the engine's own TrainerConfig
 * keys); observation and reward normalisation (Gymnasium's NormalizeObservation / NormalizeReward with CleanRL's
 * clips, the engine's defaults for box actions) are optional.
 */
export type BaselineConfig = Pick<
  TrainerConfig,
  | 'seed'
  | 'num_envs'
  | 'num_steps'
  | 'learning_rate'
  | 'anneal_lr'
  | 'gamma'
  | 'gae_lambda'
  | 'num_minibatches'
  | 'update_epochs'
  | 'norm_adv'
  | 'clip_coef'
  | 'clip_vloss'
  | 'ent_coef'
  | 'vf_coef'
  | 'max_grad_norm'
  | 'adam_eps'
  | 'hidden_sizes'
> &
  Partial<Pick<TrainerConfig, 'norm_obs' | 'norm_reward' | 'clip_obs' | 'clip_reward'>>;

/** Gymnasium's RunningMeanStd: batch mean and variance merged into running ones (count starts at 1e-4). */
class RunningMeanStd {
  readonly mean: Float64Array;
  readonly var: Float64Array;
  count = 1e-4;

  constructor(readonly size: number) {
    this.mean = new Float64Array(size);
    this.var = new Float64Array(size).fill(1);
  }

  /** `rows` x `size`, row-major. */
  update(x: ArrayLike<number>, rows: number): void {
    const k = this.size;
    for (let j = 0; j < k; j++) {
      let m = 0;
      for (let i = 0; i < rows; i++) m += x[i * k + j]!;
      m /= rows;
      let v = 0;
      for (let i = 0; i < rows; i++) v += (x[i * k + j]! - m) ** 2;
      v /= rows;
      const delta = m - this.mean[j]!;
      const total = this.count + rows;
      const m2 = this.var[j]! * this.count + v * rows + (delta * delta * this.count * rows) / total;
      this.mean[j] = this.mean[j]! + (delta * rows) / total;
      this.var[j] = m2 / total;
    }
    this.count += rows;
  }
}

export interface BaselineIteration {
  iteration: number;
  globalStep: number;
  /** Returns of the episodes that ended in this iteration. */
  episodeReturns: number[];
  /** Mean return of the last 20 finished episodes (null before any). */
  recentReturn: number | null;
  policyLoss: number;
  valueLoss: number;
  entropy: number;
  approxKl: number;
}

interface Dense {
  weight: Variable;
  bias: Variable;
}

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

export class TfjsPpo {
  readonly env: ReferenceVecEnv;
  readonly batchSize: number;
  readonly minibatchSize: number;
  iteration = 0;
  globalStep = 0;
  private readonly actor: Dense[];
  private readonly critic: Dense[];
  private readonly logstd: Variable | undefined;
  private readonly optimizer: TfModule.AdamOptimizer;
  private readonly recent: number[] = [];
  private readonly variables: Variable[];
  private readonly obsRms: RunningMeanStd | undefined;
  private readonly returnRms: RunningMeanStd | undefined;
  /** Discounted return per environment, for NormalizeReward. */
  private readonly discounted: Float64Array;

  constructor(
    private readonly tf: Tf,
    envId: string,
    readonly config: BaselineConfig,
  ) {
    this.env = new ReferenceVecEnv(envId, config.num_envs, config.seed);
    this.batchSize = config.num_envs * config.num_steps;
    this.minibatchSize = this.batchSize / config.num_minibatches;
    if (!Number.isInteger(this.minibatchSize)) throw new RangeError(`TfjsPpo: num_minibatches ${config.num_minibatches} does not divide the batch ${this.batchSize}`);
    const O = this.env.observationSize;
    const outputs = this.env.actions ?? this.env.actionSize;
    let seed = config.seed * 1000;
    const dense = (name: string, inputs: number, units: number, gain: number): Dense => ({
      weight: tf.variable(tf.initializers.orthogonal({ gain, seed: seed++ }).apply([inputs, units]) as Tensor2D, true, `${name}.weight`),
      bias: tf.variable(tf.zeros([units]), true, `${name}.bias`),
    });
    const network = (name: string, out: number, outGain: number): Dense[] => {
      const widths = [O, ...config.hidden_sizes];
      const layers = config.hidden_sizes.map((w, i) => dense(`${name}.${i}`, widths[i]!, w, Math.SQRT2));
      layers.push(dense(`${name}.${layers.length}`, widths[widths.length - 1]!, out, outGain));
      return layers;
    };
    this.critic = network('critic', 1, 1.0);
    this.actor = network('actor', outputs, 0.01);
    this.logstd = this.env.actions === undefined ? tf.variable(tf.zeros([1, outputs]), true, 'actor_logstd') : undefined;
    this.variables = [...this.actor, ...this.critic].flatMap((d) => [d.weight, d.bias]);
    if (this.logstd) this.variables.push(this.logstd);
    this.optimizer = tf.train.adam(config.learning_rate, 0.9, 0.999, config.adam_eps);
    this.obsRms = config.norm_obs ? new RunningMeanStd(O) : undefined;
    this.returnRms = config.norm_reward ? new RunningMeanStd(1) : undefined;
    this.discounted = new Float64Array(config.num_envs);
  }

  /** The policy's view of observations: normalised and clipped with the running statistics (a new array). */
  private normalize(obs: Float32Array): Float32Array {
    const rms = this.obsRms;
    if (!rms) return obs.slice();
    const clip = this.config.clip_obs ?? 10;
    const out = new Float32Array(obs.length);
    for (let i = 0; i < obs.length; i++) {
      const j = i % rms.size;
      out[i] = Math.min(clip, Math.max(-clip, (obs[i]! - rms.mean[j]!) / Math.sqrt(rms.var[j]! + 1e-8)));
    }
    return out;
  }

  private mlp(x: Tensor2D, layers: Dense[]): Tensor2D {
    const tf = this.tf;
    let h = x;
    layers.forEach((layer, i) => {
      h = tf.add(tf.matMul(h, layer.weight as Tensor2D), layer.bias) as Tensor2D;
      if (i < layers.length - 1) h = tf.tanh(h);
    });
    return h;
  }

  /** V(s) as [B]. */
  value(obs: Tensor2D): Tensor1D {
    return this.tf.reshape(this.mlp(obs, this.critic), [-1]) as Tensor1D;
  }

  /** log pi(a|s) [B] and entropy [B] of actions `action` (discrete: int32 [B]; box: [B][A]). */
  private logProbAndEntropy(obs: Tensor2D, action: Tensor): { logp: Tensor1D; entropy: Tensor1D } {
    const tf = this.tf;
    const out = this.mlp(obs, this.actor);
    if (this.env.actions !== undefined) {
      const logProbs = tf.logSoftmax(out);
      const logp = tf.sum(tf.mul(logProbs, tf.oneHot(action as Tensor1D, this.env.actions)), 1) as Tensor1D;
      const entropy = tf.neg(tf.sum(tf.mul(tf.exp(logProbs), logProbs), 1)) as Tensor1D;
      return { logp, entropy };
    }
    const logstd = tf.broadcastTo(this.logstd!, out.shape);
    const z = tf.div(tf.sub(action, out), tf.exp(logstd));
    const logp = tf.sum(tf.sub(tf.sub(tf.mul(-0.5, tf.square(z)), logstd), LOG_SQRT_2PI), 1) as Tensor1D;
    const entropy = tf.sum(tf.add(logstd, 0.5 + LOG_SQRT_2PI), 1) as Tensor1D;
    return { logp, entropy };
  }

  /** Sampled actions and their log-probabilities for a batch of observations. */
  private act(obs: Tensor2D): { action: Tensor; logp: Tensor1D } {
    const tf = this.tf;
    const out = this.mlp(obs, this.actor);
    if (this.env.actions !== undefined) {
      // Gumbel-max: argmax(logits + Gumbel noise) is a sample of the categorical (tf.multinomial is broken on webgpu).
      const u = tf.randomUniform(out.shape, 1e-12, 1);
      const action = tf.argMax(tf.sub(out, tf.log(tf.neg(tf.log(u)))), 1) as Tensor1D;
      const logp = tf.sum(tf.mul(tf.logSoftmax(out), tf.oneHot(action, this.env.actions)), 1) as Tensor1D;
      return { action, logp };
    }
    const logstd = tf.broadcastTo(this.logstd!, out.shape);
    const noise = tf.randomNormal(out.shape);
    const action = tf.add(out, tf.mul(tf.exp(logstd), noise));
    const logp = tf.sum(tf.sub(tf.sub(tf.mul(-0.5, tf.square(noise)), logstd), LOG_SQRT_2PI), 1) as Tensor1D;
    return { action, logp };
  }

  /** Greedy actions (argmax / mean) for evaluation. */
  actDeterministic(obs: Tensor2D): Tensor {
    const out = this.mlp(obs, this.actor);
    return this.env.actions !== undefined ? this.tf.argMax(out, 1) : out;
  }

  /** One PPO iteration: rollout of num_steps x num_envs, GAE, update_epochs x num_minibatches Adam steps. */
  async runIteration(numIterations: number): Promise<BaselineIteration> {
    const tf = this.tf;
    const c = this.config;
    const env = this.env;
    const N = c.num_envs;
    const T = c.num_steps;
    const M = this.batchSize;
    const O = env.observationSize;
    this.iteration += 1;
    if (c.anneal_lr) {
      (this.optimizer as unknown as { learningRate: number }).learningRate = (1 - (this.iteration - 1) / numIterations) * c.learning_rate;
    }

    // Rollout: policy on the GPU, environments in JavaScript, one readback (the actions) per step.
    const obsSteps: Tensor2D[] = [];
    const actionSteps: Tensor[] = [];
    const logpSteps: Tensor1D[] = [];
    const valueSteps: Tensor1D[] = [];
    const finalValueSteps: (Tensor1D | null)[] = [];
    const rewards = new Float32Array(M);
    const terminated = new Uint8Array(M);
    const truncated = new Uint8Array(M);
    const episodeReturns: number[] = [];
    if (this.iteration === 1) this.obsRms?.update(env.obs, N);
    for (let t = 0; t < T; t++) {
      // A new array (normalize copies): TF.js's cpu backend keeps the typed array it is given, and env.step()
      // rewrites env.obs.
      const obs = tf.tensor2d(this.normalize(env.obs), [N, O]);
      const { action, logp, value } = tf.tidy(() => ({ ...this.act(obs), value: this.value(obs) }));
      const actions = await action.data();
      const step = env.step(actions);
      // Gymnasium's wrappers: NormalizeObservation updates with every new observation, NormalizeReward scales
      // by the running std of the discounted return.
      this.obsRms?.update(env.obs, N);
      if (this.returnRms) {
        const clip = c.clip_reward ?? 10;
        for (let n = 0; n < N; n++) this.discounted[n] = this.discounted[n]! * c.gamma * (1 - step.terminated[n]!) + step.reward[n]!;
        this.returnRms.update(this.discounted, N);
        const scale = 1 / Math.sqrt(this.returnRms.var[0]! + 1e-8);
        for (let n = 0; n < N; n++) rewards[t * N + n] = Math.min(clip, Math.max(-clip, step.reward[n]! * scale));
      } else rewards.set(step.reward, t * N);
      terminated.set(step.terminated, t * N);
      truncated.set(step.truncated, t * N);
      // V(final observation) where an episode was truncated (bootstrapped in GAE, as the engine does).
      finalValueSteps.push(step.truncated.includes(1) ? tf.tidy(() => this.value(tf.tensor2d(this.normalize(step.finalObs), [N, O]))) : null);
      obsSteps.push(obs);
      actionSteps.push(action);
      logpSteps.push(logp);
      valueSteps.push(value);
      episodeReturns.push(...env.drainEpisodes());
    }
    this.globalStep += M;
    for (const r of episodeReturns) {
      this.recent.push(r);
      if (this.recent.length > 20) this.recent.shift();
    }

    // GAE on the CPU (CleanRL's loop), over the values read back once.
    const lastValue = tf.tidy(() => this.value(tf.tensor2d(this.normalize(env.obs), [N, O])));
    const valuesFlat = tf.concat([...valueSteps, lastValue]);
    const finalFlat = tf.tidy(() => tf.concat(finalValueSteps.map((v) => v ?? tf.zeros([N])) as Tensor1D[]));
    const [values, finalValues] = await Promise.all([valuesFlat.data(), finalFlat.data()]);
    tf.dispose([lastValue, finalFlat, ...finalValueSteps.filter((v): v is Tensor1D => v !== null)]);
    const { advantages, returns } = gaeCpu(rewards, values as Float32Array, terminated, truncated, finalValues as Float32Array, N, c.gamma, c.gae_lambda);

    // The batch, flattened (sample s = t * N + n).
    const b = tf.tidy(() => ({
      obs: tf.concat(obsSteps) as Tensor2D,
      actions: tf.concat(actionSteps), // discrete [M] (int32), box [M][A]
      logprobs: tf.concat(logpSteps) as Tensor1D,
      values: valuesFlat.slice(0, M) as Tensor1D,
      advantages: tf.tensor1d(advantages),
      returns: tf.tensor1d(returns),
    }));
    tf.dispose([...obsSteps, ...actionSteps, ...logpSteps, ...valueSteps, valuesFlat]);

    // Update: epochs x minibatches of the clipped PPO loss with Adam.
    let last: Tensor | undefined;
    for (let epoch = 0; epoch < c.update_epochs; epoch++) {
      const perm = tf.util.createShuffledIndices(M);
      for (let start = 0; start < M; start += this.minibatchSize) {
        last?.dispose();
        last = tf.tidy(() => {
          const idx = tf.tensor1d(Int32Array.from(perm.subarray(start, start + this.minibatchSize)), 'int32');
          const mb = {
            obs: tf.gather(b.obs, idx) as Tensor2D,
            actions: tf.gather(b.actions, idx),
            logprobs: tf.gather(b.logprobs, idx),
            values: tf.gather(b.values, idx),
            advantages: tf.gather(b.advantages, idx),
            returns: tf.gather(b.returns, idx),
          };
          let stats: Tensor | undefined;
          const { grads } = tf.variableGrads(() => {
            const { logp, entropy } = this.logProbAndEntropy(mb.obs, mb.actions);
            const newValue = this.value(mb.obs);
            const logratio = tf.sub(logp, mb.logprobs);
            const ratio = tf.exp(logratio);
            let adv: Tensor = mb.advantages;
            if (c.norm_adv) {
              const { mean, variance } = tf.moments(adv);
              const n = this.minibatchSize;
              // torch's std() is the unbiased one.
              const std = tf.sqrt(tf.mul(variance, n > 1 ? n / (n - 1) : 1));
              adv = tf.div(tf.sub(adv, mean), tf.add(std, 1e-8));
            }
            const pgLoss = tf.mean(tf.maximum(tf.mul(tf.neg(adv), ratio), tf.mul(tf.neg(adv), tf.clipByValue(ratio, 1 - c.clip_coef, 1 + c.clip_coef))));
            let vLoss: Tensor;
            if (c.clip_vloss) {
              const unclipped = tf.square(tf.sub(newValue, mb.returns));
              const clippedValue = tf.add(mb.values, tf.clipByValue(tf.sub(newValue, mb.values), -c.clip_coef, c.clip_coef));
              const clipped = tf.square(tf.sub(clippedValue, mb.returns));
              vLoss = tf.mul(0.5, tf.mean(tf.maximum(unclipped, clipped)));
            } else {
              vLoss = tf.mul(0.5, tf.mean(tf.square(tf.sub(newValue, mb.returns))));
            }
            const entropyLoss = tf.mean(entropy);
            const approxKl = tf.mean(tf.sub(tf.sub(ratio, 1), logratio));
            stats = tf.keep(tf.stack([pgLoss, vLoss, entropyLoss, approxKl]));
            return tf.add(tf.sub(pgLoss, tf.mul(c.ent_coef, entropyLoss)), tf.mul(vLoss, c.vf_coef)) as TfModule.Scalar;
          }, this.variables);
          (this.optimizer as TfModule.Optimizer).applyGradients(clipByGlobalNorm(tf, grads, c.max_grad_norm));
          return stats!;
        });
      }
    }
    tf.dispose(Object.values(b));
    const [policyLoss, valueLoss, entropy, approxKl] = Array.from(await last!.data());
    last!.dispose();
    return {
      iteration: this.iteration,
      globalStep: this.globalStep,
      episodeReturns,
      recentReturn: this.recent.length ? this.recent.reduce((a, r) => a + r, 0) / this.recent.length : null,
      policyLoss: policyLoss!,
      valueLoss: valueLoss!,
      entropy: entropy!,
      approxKl: approxKl!,
    };
  }

  /** Deterministic evaluation: `episodes` environments (one episode each, all at once) until every one ended. */
  async evaluate(episodes: number, seed: number): Promise<{ mean: number; std: number }> {
    const tf = this.tf;
    const env = new ReferenceVecEnv(this.env.id, episodes, seed);
    const O = env.observationSize;
    const returns = new Float64Array(episodes);
    const done = new Uint8Array(episodes);
    let remaining = episodes;
    while (remaining > 0) {
      const action = tf.tidy(() => this.actDeterministic(tf.tensor2d(this.normalize(env.obs), [episodes, O])));
      const actions = await action.data();
      action.dispose();
      const step = env.step(actions);
      for (let n = 0; n < episodes; n++) {
        if (done[n]) continue;
        returns[n] = returns[n]! + step.reward[n]!;
        if (step.terminated[n] || step.truncated[n]) {
          done[n] = 1;
          remaining--;
        }
      }
    }
    const mean = returns.reduce((a, r) => a + r, 0) / episodes;
    const std = Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / episodes);
    return { mean, std };
  }

  dispose(): void {
    this.tf.dispose(this.variables);
    this.optimizer.dispose();
  }
}

/** Scales all gradients by min(1, maxNorm / globalNorm) (torch.nn.utils.clip_grad_norm_), in tf ops. */
function clipByGlobalNorm(tf: Tf, grads: TfModule.NamedTensorMap, maxNorm: number): TfModule.NamedTensorMap {
  if (!(maxNorm > 0)) return grads;
  const names = Object.keys(grads);
  // A chain of tf.add, not tf.addN: on tfjs-backend-webgpu 4.22, addN of more than 7 tensors fails validation
  // (its device keeps WebGPU's default of 8 storage buffers per shader stage).
  const norm = tf.sqrt(names.map((name) => tf.sum(tf.square(grads[name]!))).reduce((a, b) => tf.add(a, b)));
  const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
  return Object.fromEntries(names.map((name) => [name, tf.mul(grads[name]!, scale)]));
}

/**
 * GAE(lambda) as CleanRL's loop, time-major [T][N], with the engine's conventions: no bootstrap on termination,
 * V(final observation) on truncation, and the advantage recursion cut at every episode end.
 * `values` has T + 1 rows (the last: V of the observation after the last step).
 */
export function gaeCpu(
  rewards: Float32Array,
  values: Float32Array,
  terminated: Uint8Array,
  truncated: Uint8Array,
  finalValues: Float32Array,
  numEnvs: number,
  gamma: number,
  lambda: number,
): { advantages: Float32Array; returns: Float32Array } {
  const M = rewards.length;
  const T = M / numEnvs;
  const advantages = new Float32Array(M);
  const returns = new Float32Array(M);
  const lastGae = new Float64Array(numEnvs);
  for (let t = T - 1; t >= 0; t--) {
    for (let n = 0; n < numEnvs; n++) {
      const s = t * numEnvs + n;
      const term = terminated[s] === 1;
      const trunc = truncated[s] === 1;
      const next = term ? 0 : trunc ? finalValues[s]! : values[s + numEnvs]!;
      const delta = rewards[s]! + gamma * next - values[s]!;
      const gae = delta + (term || trunc ? 0 : gamma * lambda * lastGae[n]!);
      lastGae[n] = gae;
      advantages[s] = gae;
      returns[s] = gae + values[s]!;
    }
  }
  return { advantages, returns };
}
