/**
 * Benchmark case: policy inference for games, `policy.act`.
 *
 *   latency     one observation, deterministic: the GPU policy (trainer.policy, and loadPolicy(bytes) with backend
 *               'gpu': one upload, one dispatch, one readback per call) and the plain-JavaScript policy
 *               (loadPolicy(bytes, { backend: 'cpu' }).actSync); plus the TF.js baseline's greedy action
 *               (tf.tidy forward + await data()) on each of its backends, for reference.
 *   throughput  a batch of 4096 observations per call, observations per second.
 *
 * Validated first: the GPU and plain-JavaScript policies choose the same actions on the batch (discrete: equal
 * except where two logits are within 1e-5; box: within 1e-4).
 */
import { createTrainer } from '../../src/createTrainer.js';
import { exportPolicy, loadPolicy } from '../../src/checkpoint.js';
import type { CpuPolicy } from '../../src/cpuPolicy.js';
import { TfjsPpo } from '../baselines/tfjsPpo.js';
import { resolveConfig } from '../../src/config.js';
import { getEnvDefinition } from '../../src/envs/registry.js';
import { measure, type CaseResult, type Timing } from '../harness.js';
import type { SuiteContext } from './ppo.js';

const BATCH = 4096;

function observations(env: string, count: number): Float32Array {
  const size = getEnvDefinition(env).observationSize;
  let s = 2463534242;
  return Float32Array.from({ length: count * size }, () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s / 4294967296 - 0.5) * 0.4;
  });
}

function latency(name: string, params: Record<string, unknown>, perCall: number, timing: Timing): CaseResult {
  // Microseconds per call.
  return { name, params, unit: 'µs/call', median: (timing.median / perCall) * 1e6, min: (timing.min / perCall) * 1e6, max: (timing.max / perCall) * 1e6, reps: timing.samples.length };
}

function throughput(name: string, params: Record<string, unknown>, obsPerCall: number, timing: Timing): CaseResult {
  return { name, params, unit: 'obs/s', median: obsPerCall / timing.median, min: obsPerCall / timing.max, max: obsPerCall / timing.min, reps: timing.samples.length };
}

export async function benchAct(context: SuiteContext): Promise<CaseResult[]> {
  const { gpu, quick, log } = context;
  const results: CaseResult[] = [];
  const reps = quick ? 5 : 7;
  for (const env of quick ? ['CartPole-v1'] : ['CartPole-v1', 'Pendulum-v1']) {
    const trainer = await createTrainer({ env }, { gpu });
    const bytes = await exportPolicy(trainer);
    const gpuLoaded = await loadPolicy(bytes, { backend: 'gpu', gpu });
    const cpu = (await loadPolicy(bytes, { backend: 'cpu' })) as unknown as CpuPolicy;
    try {
      const one = observations(env, 1);
      const batch = observations(env, BATCH);
      // Validate: GPU and CPU policies agree on the batch.
      const onGpu = await trainer.policy.act(batch, { deterministic: true });
      const onCpu = cpu.actSync(batch, { deterministic: true });
      let disagree = 0;
      for (let i = 0; i < onGpu.length; i++) {
        const tolerance = onGpu instanceof Int32Array ? 0 : 1e-4;
        if (Math.abs(onGpu[i]! - onCpu[i]!) > tolerance) disagree++;
      }
      if (disagree > (onGpu instanceof Int32Array ? BATCH * 0.002 : 0)) throw new Error(`benchAct: ${env}: GPU and CPU policies disagree on ${disagree} of ${onGpu.length} actions`);

      const calls = 50;
      const cases: [string, () => unknown][] = [
        ['act.gpu.trainerPolicy', async () => { for (let i = 0; i < calls; i++) await trainer.policy.act(one); }],
        ['act.gpu.loadPolicy', async () => { for (let i = 0; i < calls; i++) await gpuLoaded.act(one); }],
        ['act.cpu.actSync', () => { for (let i = 0; i < calls * 20; i++) cpu.actSync(one); }],
      ];
      for (const [name, fn] of cases) {
        const perCall = name === 'act.cpu.actSync' ? calls * 20 : calls;
        const result = latency(name, { env, observations: 1 }, perCall, await measure(fn, { warmup: 1, reps }));
        results.push(result);
        log(`${name} ${env}: ${result.median.toFixed(1)} µs per call`);
      }
      const batchCases: [string, () => unknown][] = [
        ['act.gpu.batch', () => trainer.policy.act(batch)],
        ['act.cpu.batch', () => cpu.actSync(batch)],
      ];
      for (const [name, fn] of batchCases) {
        const result = throughput(name, { env, observations: BATCH }, BATCH, await measure(fn, { warmup: 2, reps }));
        results.push(result);
        log(`${name} ${env}: ${Math.round(result.median)} observations/s`);
      }

      for (const loaded of context.tfjs) {
        const { tf } = loaded;
        await tf.setBackend(loaded.backend);
        const ppo = new TfjsPpo(tf, env, resolveConfig({ env }, getEnvDefinition(env).action.type === 'box'));
        try {
          const O = getEnvDefinition(env).observationSize;
          const act = async (obs: Float32Array, rows: number) => {
            const action = tf.tidy(() => ppo.actDeterministic(tf.tensor2d(obs, [rows, O])));
            const data = await action.data();
            action.dispose();
            return data;
          };
          const single = latency(`act.tfjs-${loaded.backend}`, { env, observations: 1 }, calls, await measure(async () => { for (let i = 0; i < calls; i++) await act(one, 1); }, { warmup: 1, reps }));
          const many = throughput(`act.tfjs-${loaded.backend}.batch`, { env, observations: BATCH }, BATCH, await measure(() => act(batch, BATCH), { warmup: 2, reps }));
          results.push(single, many);
          log(`act TF.js ${loaded.backend} ${env}: ${single.median.toFixed(1)} µs per call, ${Math.round(many.median)} observations/s in batches of ${BATCH}`);
        } finally {
          ppo.dispose();
        }
      }
    } finally {
      gpuLoaded.destroy();
      trainer.destroy();
    }
  }
  return results;
}
