/**
 * Policies and checkpoints leave a trainer and come back (src/checkpoint.ts):
 *
 *  - a file that is not a valid policy or checkpoint (truncated, wrong format version, tensors whose shapes do not
 *    match the header, another environment's policy, code in the metadata) is refused with CheckpointError naming
 *    the problem, and the refusal changes nothing (no GPU memory kept, no registry change, nothing evaluated);
 *  - save -> load round trips give bit-identical parameters and optimizer state, and the same actions;
 *  - the plain-JavaScript policy (CpuPolicy) acts as the GPU policy does, deterministic and sampled, wherever the
 *    choice is not within rounding of a tie or a sampling boundary;
 *  - loadTrainer resumes a run: after a save at iteration k, the resumed trainer's next iterations report exactly
 *    what the uninterrupted trainer's do.
 */
import { describe, expect } from 'vitest';
import { RngStream, rngHost } from '../shaders/rng.js';
import {
  CheckpointError,
  CpuPolicy,
  createTrainer,
  decodeSafetensors,
  encodeSafetensors,
  exportPolicy,
  FORMAT_VERSION,
  GpuPolicy,
  listEnvs,
  loadPolicy,
  loadTrainer,
  saveTrainer,
  type IterationReport,
  type Trainer,
  type TrainerConfig,
} from '../src/index.js';
import type { Gpu } from '../src/gpu/device.js';
import { gpuTest } from './helpers/gpu.js';
import { seededRandom } from './helpers/random.js';

const CARTPOLE: Partial<TrainerConfig> & { env: string } = { env: 'CartPole-v1', num_envs: 8, num_steps: 16, update_epochs: 2, num_minibatches: 2, seed: 3 };
const CONTINUOUS: Partial<TrainerConfig> & { env: string } = {
  env: 'MountainCarContinuous-v0',
  algo: 'ppo-penalty',
  num_envs: 8,
  num_steps: 16,
  update_epochs: 2,
  num_minibatches: 2,
  seed: 4,
};

/** A trainer that has taken `iterations` iterations (so its parameters and optimizer state are not initial). */
async function trained(config: Partial<TrainerConfig> & { env: string }, iterations: number, gpu: Gpu): Promise<Trainer> {
  const trainer = await createTrainer(config, { gpu });
  const batch = trainer.config.num_envs * trainer.config.num_steps;
  await trainer.train({ totalSteps: iterations * batch });
  return trainer;
}

/** Decodes a file, lets `edit` change its tensors and metadata, encodes it again. */
function rewrite(bytes: Uint8Array, edit: (file: { tensors: Map<string, { dtype: 'F32' | 'U32'; shape: number[]; data: Float32Array | Uint32Array }>; metadata: Record<string, string> }) => void): Uint8Array {
  const file = decodeSafetensors(bytes);
  edit(file);
  return encodeSafetensors(file.tensors, file.metadata);
}

/** The header's JSON text replaced by `edit(text)` (length field updated): for malformed headers. */
function rewriteHeader(bytes: Uint8Array, edit: (json: string) => string): Uint8Array {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const json = edit(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  const header = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + header.length + bytes.length - 8 - length);
  new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
  out.set(header, 8);
  out.set(bytes.subarray(8 + length), 8 + header.length);
  return out;
}

/** Expects `load()` to throw CheckpointError matching `message`, leaving GPU memory and the registry as they were. */
async function expectRefused(gpu: Gpu, load: () => Promise<unknown>, message: RegExp): Promise<void> {
  const bytesBefore = gpu.bytesAllocated;
  const envsBefore = JSON.stringify(listEnvs());
  const error = await load().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a CheckpointError matching ${message}`).toBeInstanceOf(CheckpointError);
  expect((error as Error).message).toMatch(message);
  expect(gpu.bytesAllocated, 'GPU memory held after a refused load').toBe(bytesBefore);
  expect(JSON.stringify(listEnvs()), 'registry after a refused load').toBe(envsBefore);
}

function observations(random: () => number, rows: number, size: number, scale: number[]): Float32Array {
  return Float32Array.from({ length: rows * size }, (_, i) => (random() * 2 - 1) * scale[i % size]!);
}

/** The stats of a report without its wall-clock fields. */
function comparable(report: IterationReport): Record<string, unknown> {
  const { wallSeconds: _wall, sps: _sps, ...rest } = report;
  return rest;
}

describe('checkpoint: invalid files are refused and change nothing', () => {
  gpuTest('truncated policies and checkpoints', async (gpu) => {
    const trainer = await trained(CARTPOLE, 1, gpu);
    const policy = await exportPolicy(trainer);
    const checkpoint = await saveTrainer(trainer);
    for (const cut of [0, 7, 8, 40, Math.floor(policy.length / 2), policy.length - 1]) {
      await expectRefused(gpu, () => loadPolicy(policy.slice(0, cut), { gpu }), /not a valid webgpu-rl\/policy file/);
      await expectRefused(gpu, () => loadPolicy(policy.slice(0, cut), { backend: 'cpu' }), /not a valid webgpu-rl\/policy file/);
    }
    for (const cut of [5, checkpoint.length - 4]) {
      await expectRefused(gpu, () => loadTrainer(checkpoint.slice(0, cut), { gpu }), /not a valid webgpu-rl\/checkpoint file/);
    }
    trainer.destroy();
  });

  gpuTest('a wrong format version or kind', async (gpu) => {
    const trainer = await trained(CARTPOLE, 1, gpu);
    const policy = await exportPolicy(trainer);
    const checkpoint = await saveTrainer(trainer);
    const future = rewrite(policy, (f) => (f.metadata.format_version = String(Number(FORMAT_VERSION) + 1)));
    await expectRefused(gpu, () => loadPolicy(future, { gpu }), new RegExp(`format_version is "${Number(FORMAT_VERSION) + 1}"; this engine reads version ${FORMAT_VERSION}`));
    const unversioned = rewrite(checkpoint, (f) => delete f.metadata.format_version);
    await expectRefused(gpu, () => loadTrainer(unversioned, { gpu }), /format_version is undefined/);
    await expectRefused(gpu, () => loadPolicy(checkpoint, { gpu }), /expected 'webgpu-rl\/policy' \(use loadTrainer for this file\)/);
    await expectRefused(gpu, () => loadTrainer(policy, { gpu }), /expected 'webgpu-rl\/checkpoint' \(use loadPolicy for this file\)/);
    const foreign = encodeSafetensors(new Map([['weight', { dtype: 'F32' as const, shape: [2], data: new Float32Array(2) }]]), { format: 'pt' });
    await expectRefused(gpu, () => loadPolicy(foreign, { gpu }), /format is "pt"/);
    trainer.destroy();
  });

  gpuTest('tensors whose shapes do not match the header', async (gpu) => {
    const trainer = await trained(CARTPOLE, 1, gpu);
    const policy = await exportPolicy(trainer);
    const checkpoint = await saveTrainer(trainer);
    // A tensor consistent with its bytes, but not with the architecture the header declares.
    const narrow = rewrite(policy, (f) => f.tensors.set('actor.0.weight', { dtype: 'F32', shape: [4, 32], data: new Float32Array(128) }));
    await expectRefused(gpu, () => loadPolicy(narrow, { gpu }), /tensor 'actor\.0\.weight' is F32 \[4, 32\]; the architecture in the header needs F32 \[4, 64\]/);
    await expectRefused(gpu, () => loadPolicy(narrow, { backend: 'cpu' }), /actor\.0\.weight/);
    const missing = rewrite(policy, (f) => f.tensors.delete('actor.2.bias'));
    await expectRefused(gpu, () => loadPolicy(missing, { gpu }), /no tensor 'actor\.2\.bias'/);
    // A shape in the header that disagrees with the tensor's byte count.
    const lying = rewriteHeader(policy, (json) => json.replace('"shape":[4,64]', '"shape":[4,65]'));
    await expectRefused(gpu, () => loadPolicy(lying, { gpu }), /shape \[4, 65\] \(1040 bytes\) but 1024 bytes of data/);
    // The architecture says wider layers than the tensors hold.
    const wider = rewrite(policy, (f) => (f.metadata.architecture = f.metadata.architecture!.replace('[64,64]', '[64,128]')));
    await expectRefused(gpu, () => loadPolicy(wider, { gpu }), /needs F32 \[64, 128\]/);
    // Optimizer moments of the wrong size in a checkpoint: refused before the trainer is kept.
    const moments = rewrite(checkpoint, (f) => f.tensors.set('optimizer.moments', { dtype: 'F32', shape: [10], data: new Float32Array(10) }));
    await expectRefused(gpu, () => loadTrainer(moments, { gpu }), /'optimizer\.moments' is F32 \[10\]/);
    const nonFinite = rewrite(policy, (f) => (f.tensors.get('actor.0.bias')!.data[3] = Number.NaN));
    await expectRefused(gpu, () => loadPolicy(nonFinite, { gpu }), /'actor\.0\.bias' holds a non-finite value at index 3/);
    trainer.destroy();
  });

  gpuTest("another environment's policy or checkpoint", async (gpu) => {
    const trainer = await trained(CARTPOLE, 1, gpu);
    const policy = await exportPolicy(trainer);
    await expectRefused(gpu, () => loadPolicy(policy, { env: 'Acrobot-v1', gpu }), /a policy for 'CartPole-v1', not for 'Acrobot-v1'/);
    await expectRefused(gpu, () => loadPolicy(policy, { env: 'Acrobot-v1', backend: 'cpu' }), /not for 'Acrobot-v1'/);
    // A checkpoint whose environment has other spaces than the one registered under its id.
    const checkpoint = await saveTrainer(trainer);
    const relabelled = rewrite(checkpoint, (f) => {
      f.metadata.env = f.metadata.env!.replace('"CartPole-v1"', '"Acrobot-v1"');
      f.metadata.config = f.metadata.config!.replace('"CartPole-v1"', '"Acrobot-v1"');
    });
    await expectRefused(gpu, () => loadTrainer(relabelled, { gpu }), /'Acrobot-v1' has other spaces than the checkpoint's/);
    const unknown = rewrite(checkpoint, (f) => {
      f.metadata.env = f.metadata.env!.replace('"CartPole-v1"', '"NoSuchGame-v9"');
      f.metadata.config = f.metadata.config!.replace('"CartPole-v1"', '"NoSuchGame-v9"');
    });
    const error = await loadTrainer(unknown, { gpu }).catch((e: unknown) => e);
    expect(String(error)).toMatch(/NoSuchGame-v9/);
    trainer.destroy();
  });

  gpuTest('code in the metadata is data, never run', async (gpu) => {
    const trainer = await trained(CARTPOLE, 1, gpu);
    const policy = await exportPolicy(trainer);
    const marker = '__webgpuRlCheckpointTestRan';
    const payload = `(() => { globalThis.${marker} = true; })()`;
    // Code where JSON is expected: refused as malformed, not evaluated.
    const code = rewrite(policy, (f) => (f.metadata.architecture = payload));
    await expectRefused(gpu, () => loadPolicy(code, { gpu }), /'architecture' metadata is not JSON/);
    // A prototype-pollution attempt inside valid JSON loads as plain data.
    const polluting = rewrite(policy, (f) => (f.metadata.env = f.metadata.env!.replace('{', `{"__proto__":{"polluted":true},"toString":"${payload}",`)));
    const loaded = await loadPolicy(polluting, { backend: 'cpu' });
    expect(loaded.spec.id).toBe('CartPole-v1');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((globalThis as Record<string, unknown>)[marker]).toBeUndefined();
    trainer.destroy();
  });
});

describe('checkpoint: round trips', () => {
  for (const config of [CARTPOLE, CONTINUOUS]) {
    gpuTest(`${config.env}: save -> load gives bit-identical parameters, optimizer state and actions`, async (gpu) => {
      const trainer = await trained(config, 2, gpu);
      const spec = trainer.spec;
      const flat = await trainer.algorithm.readParameters();

      // Policy files: every actor tensor, bit for bit, and the same deterministic actions.
      const policyBytes = await exportPolicy(trainer);
      const file = decodeSafetensors(policyBytes);
      for (const view of trainer.algorithm.agent.table.views) {
        if (!view.name.startsWith('actor')) {
          expect(file.tensors.has(view.name), `the policy file leaves out '${view.name}'`).toBe(false);
          continue;
        }
        const tensor = file.tensors.get(view.name)!;
        expect(tensor.shape, view.name).toEqual(view.shape);
        expect(new Uint32Array(tensor.data.buffer), view.name).toEqual(new Uint32Array(flat.buffer, view.offset * 4, view.size));
      }
      const gpuPolicy = await loadPolicy(policyBytes, { gpu });
      expect(gpuPolicy).toBeInstanceOf(GpuPolicy);
      expect(gpuPolicy.trainedSteps).toBe(trainer.globalStep);
      const obs = observations(seededRandom(9), 256, spec.observationSize, spec.id === 'CartPole-v1' ? [2, 2, 0.2, 2] : [1.2, 0.07]);
      expect(Array.from(await gpuPolicy.act(obs, { deterministic: true }))).toEqual(Array.from(await trainer.policy.act(obs, { deterministic: true })));
      gpuPolicy.destroy();

      // Checkpoints: the restored trainer saves the very same bytes (parameters, Adam, environments, counters).
      const checkpoint = await saveTrainer(trainer);
      const restored = await loadTrainer(checkpoint, { gpu });
      expect(restored.config).toEqual(trainer.config);
      expect(restored.globalStep).toBe(trainer.globalStep);
      const again = await saveTrainer(restored);
      const a = decodeSafetensors(checkpoint);
      const b = decodeSafetensors(again);
      expect(b.metadata).toEqual(a.metadata);
      expect([...b.tensors.keys()].sort()).toEqual([...a.tensors.keys()].sort());
      for (const [name, tensor] of a.tensors) {
        expect(new Uint32Array(b.tensors.get(name)!.data.buffer), name).toEqual(new Uint32Array(tensor.data.buffer));
      }
      expect(Array.from(await restored.policy.act(obs, { deterministic: true }))).toEqual(Array.from(await trainer.policy.act(obs, { deterministic: true })));
      restored.destroy();
      trainer.destroy();
    });
  }
});

describe('checkpoint: loaded policies', () => {
  gpuTest('a policy loaded on the GPU frees all its GPU memory on destroy', async (gpu) => {
    const trainer = await trained(CONTINUOUS, 1, gpu);
    const bytes = await exportPolicy(trainer);
    const before = gpu.bytesAllocated;
    for (let i = 0; i < 3; i++) {
      const policy = await loadPolicy(bytes, { gpu });
      await policy.act(new Float32Array([0.1, 0.01]));
      expect(gpu.bytesAllocated).toBeGreaterThan(before);
      policy.destroy();
      expect(gpu.bytesAllocated, `after load ${i + 1} and destroy`).toBe(before);
    }
    trainer.destroy();
  });

  gpuTest("loadPolicy's type follows the backend: actSync on 'cpu' policies", async (gpu) => {
    const trainer = await trained(CARTPOLE, 1, gpu);
    const bytes = await exportPolicy(trainer);
    const cpu = await loadPolicy(bytes, { backend: 'cpu' });
    // Compiles only when loadPolicy(..., { backend: 'cpu' }) is typed as a CpuPolicy.
    const action: Int32Array | Float32Array = cpu.actSync(new Float32Array([0, 0, 0.05, 0]));
    expect(action).toBeInstanceOf(Int32Array);
    const onGpu: GpuPolicy = await loadPolicy(bytes, { gpu });
    expect(onGpu).toBeInstanceOf(GpuPolicy);
    onGpu.destroy();
    trainer.destroy();
  });
});

describe('checkpoint: CpuPolicy acts as the GPU policy does', () => {
  gpuTest('discrete (CartPole-v1): argmax everywhere off ties, samples everywhere off sampling boundaries', async (gpu) => {
    const trainer = await trained(CARTPOLE, 3, gpu);
    const bytes = await exportPolicy(trainer);
    const seed = 77;
    const onGpu = await loadPolicy(bytes, { gpu, seed });
    const onCpu = await loadPolicy(bytes, { backend: 'cpu', seed });
    expect(onCpu).toBeInstanceOf(CpuPolicy);
    const rows = 512;
    const obs = observations(seededRandom(21), rows, 4, [2.4, 3, 0.21, 3]);
    let compared = 0;
    // Calls alternate deterministic and sampled on both, so their call counters (the sampling stream) stay aligned.
    for (let call = 0; call < 4; call++) {
      const deterministic = call % 2 === 0;
      const gpuActions = await onGpu.act(obs, { deterministic });
      const cpuActions = onCpu.actSync(obs, { deterministic });
      for (let b = 0; b < rows; b++) {
        const logits = Array.from(onCpu.head(obs, b * 4));
        if (deterministic) {
          if (Math.abs(logits[0]! - logits[1]!) < 1e-5) continue;
        } else {
          // The CPU's draw for (seed, row, call): skip rows whose uniform lies within 1e-5 of the cumulative p0.
          const u = rngHost.unit(rngHost.create(seed, RngStream.action, b, call).next4()[0]);
          const max = Math.max(...logits);
          const p0 = Math.exp(logits[0]! - max) / (Math.exp(logits[0]! - max) + Math.exp(logits[1]! - max));
          if (Math.abs(u - p0) < 1e-5) continue;
        }
        compared += 1;
        expect(gpuActions[b], `call ${call} (${deterministic ? 'deterministic' : 'sampled'}), row ${b}, logits ${logits}`).toBe(cpuActions[b]);
      }
    }
    expect(compared).toBeGreaterThan(4 * rows * 0.98);
    // Sampling really samples: the sampled calls differ from argmax somewhere, and from each other.
    const first = onCpu.actSync(obs, { deterministic: false });
    const second = onCpu.actSync(obs, { deterministic: false });
    expect(first.some((a, i) => a !== second[i])).toBe(true);
    onGpu.destroy();
    trainer.destroy();
  });

  gpuTest('continuous (MountainCarContinuous-v0): means within f32 rounding, samples within the GPU normal draw accuracy', async (gpu) => {
    const trainer = await trained(CONTINUOUS, 3, gpu);
    const bytes = await exportPolicy(trainer);
    const seed = 5;
    const onGpu = await loadPolicy(bytes, { gpu, seed });
    const onCpu = await loadPolicy(bytes, { backend: 'cpu', seed });
    const rows = 512;
    const obs = observations(seededRandom(22), rows, 2, [1.2, 0.07]);
    const std = Math.exp(onCpu.logstd![0]!);
    for (let call = 0; call < 4; call++) {
      const deterministic = call % 2 === 0;
      const gpuActions = (await onGpu.act(obs, { deterministic })) as Float32Array;
      const cpuActions = onCpu.actSync(obs, { deterministic }) as Float32Array;
      // The mean: a few f32 roundings of a 2-64-64-1 MLP. A sample adds std x a Box-Muller normal, whose WGSL cos
      // is accurate to 2^-11 (times the radius, at most ~6 for a 24-bit uniform).
      const tolerance = deterministic ? 1e-5 : 1e-5 + std * 6 * 2 ** -11;
      let worst = 0;
      for (let b = 0; b < rows; b++) worst = Math.max(worst, Math.abs(gpuActions[b]! - cpuActions[b]!));
      expect(worst, `call ${call} (${deterministic ? 'deterministic' : 'sampled'}): largest |GPU - CPU|`).toBeLessThanOrEqual(tolerance);
    }
    onGpu.destroy();
    trainer.destroy();
  });
});

describe('checkpoint: loadTrainer resumes a run', () => {
  for (const config of [CARTPOLE, CONTINUOUS]) {
    gpuTest(`${config.env} (${config.algo ?? 'ppo'}): after a save at iteration k, the next iterations equal the uninterrupted run's`, async (gpu) => {
      const total = 6;
      const k = 3;
      const uninterrupted = await createTrainer(config, { gpu });
      const batch = uninterrupted.config.num_envs * uninterrupted.config.num_steps;
      const reference: IterationReport[] = [];
      for await (const report of uninterrupted.iterations({ totalSteps: total * batch })) reference.push(report);
      uninterrupted.destroy();

      // Stop after k iterations of the same run (same schedule horizon: the learning rate anneals over `total`).
      // Breaking out of iterations() after report k - 1 lets the iteration already in flight, k, finish.
      const first = await createTrainer(config, { gpu });
      let seen = 0;
      for await (const _ of first.iterations({ totalSteps: total * batch })) if (++seen === k - 1) break;
      expect(first.globalStep).toBe(k * batch);
      const bytes = await saveTrainer(first);
      first.destroy();

      const resumed = await loadTrainer(bytes, { gpu });
      expect(resumed.globalStep).toBe(k * batch);
      const after: IterationReport[] = [];
      for await (const report of resumed.iterations({ totalSteps: total * batch })) {
        after.push(report);
        if (after.length === total - k) break;
      }
      resumed.destroy();
      expect(after.map(comparable)).toEqual(reference.slice(k).map(comparable));
    });
  }
});
