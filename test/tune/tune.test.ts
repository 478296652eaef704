/**
 * The kernel tuner (src/tune/): its cache (a JSON file in Node: write, read back, corrupt or foreign files ignored
 * with a warning), the run's choice (tune false: the defaults and no cache; a cached choice used; another key
 * tunes again), the budget (candidates skipped past it, none skipped with room), the output check, the CLI command,
 * and a trainer on a non-default choice training as the default one does within tolerance. Small networks only.
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { resolveConfig, ConfigError, type TrainerConfig } from '../../src/config.js';
import { getEnvDefinition, isGpuEnvDefinition } from '../../src/envs/registry.js';
import { Ppo } from '../../src/ppo/ppo.js';
import { Trainer } from '../../src/trainer.js';
import { readFloat32 } from '../../src/gpu/readback.js';
import type { Gpu } from '../../src/gpu/device.js';
import { MemoryTuneCache, type TuneEntry } from '../../src/tune/cache.js';
import { defaultTuneFile, FileTuneCache } from '../../src/tune/fileCache.js';
import { defaultChoice, lossCandidates, lossLayoutName, parseLossLayout, tuneKey, type KernelChoice } from '../../src/tune/choice.js';
import { kernelChoiceFor } from '../../src/tune/forRun.js';
import { checkRatio, runSizes, type TuneReport, type TuneRun } from '../../src/tune/tuner.js';
import { tune } from '../../src/cli/tune.js';
import { gpuTest } from '../helpers/gpu.js';

/** A small CartPole run: 8 envs x 8 steps, one hidden layer of 8. */
const SMALL = { env: 'CartPole-v1', num_envs: 8, num_steps: 8, num_minibatches: 2, update_epochs: 2, hidden_sizes: [8] } as const;

function runOf(user: Partial<TrainerConfig>): TuneRun {
  const config = resolveConfig({ ...SMALL, ...user } as Partial<TrainerConfig> & { env: string }, false);
  const definition = getEnvDefinition(config.env);
  return { config, agent: Ppo.agentFor(config, definition), gpuEnv: isGpuEnvDefinition(definition) ? definition : undefined, masked: false };
}

const tempFile = () => join(mkdtempSync(join(tmpdir(), 'webgpu-rl-tune-')), 'tune.json');

function entry(choice: KernelChoice): TuneEntry {
  return { choice, report: { note: 'test' } as unknown as TuneReport, measuredAt: '2026-12-03T00:00:00.000Z' };
}

describe('tuning cache file', () => {
  test('writes, reads back, and keeps other keys', async () => {
    const path = tempFile();
    const warnings: string[] = [];
    const cache = new FileTuneCache(path, (m) => warnings.push(m));
    expect(await cache.get('a')).toBeUndefined();
    const a = entry({ lossSamples: 2, lossTile: 8, gradientTiling: 'shared', rolloutWorkgroup: 32 });
    const b = entry({ lossSamples: 4, lossTile: 4, gradientTiling: 'direct', rolloutWorkgroup: 64 });
    await cache.set('a', a);
    await cache.set('b', b);
    const again = new FileTuneCache(path, (m) => warnings.push(m));
    expect(await again.get('a')).toEqual(a);
    expect(await again.get('b')).toEqual(b);
    expect(JSON.parse(readFileSync(path, 'utf8')).version).toBe(1);
    expect(warnings).toEqual([]);
  });

  test.each([
    ['not JSON', '{ "version": 1, "entr', /not valid JSON/],
    ['another shape', '[1, 2, 3]', /not a version 1 tuning file/],
    ['another version', '{ "version": 99, "entries": {} }', /not a version 1 tuning file/],
    ['a malformed entry', '{ "version": 1, "entries": { "a": { "choice": { "lossSamples": "four" } } } }', /malformed entry/],
  ])('a file with %s is ignored with a warning, then replaced', async (_, text, warning) => {
    const path = tempFile();
    writeFileSync(path, text);
    const warnings: string[] = [];
    const cache = new FileTuneCache(path, (m) => warnings.push(m));
    expect(await cache.get('a')).toBeUndefined();
    expect(warnings.join('\n')).toMatch(warning);
    expect(warnings.join('\n')).toContain(path);
    const a = entry({ lossSamples: 1, lossTile: 4, gradientTiling: 'direct', rolloutWorkgroup: 128 });
    await cache.set('a', a);
    expect(await new FileTuneCache(path, () => undefined).get('a')).toEqual(a);
  });

  test('the file is $WEBGPU_RL_TUNE_FILE, else under $XDG_CACHE_HOME, else ~/.cache', () => {
    expect(defaultTuneFile({ WEBGPU_RL_TUNE_FILE: '/x/t.json' })).toBe('/x/t.json');
    expect(defaultTuneFile({ XDG_CACHE_HOME: '/c' })).toBe(join('/c', 'webgpu-rl', 'tune.json'));
    expect(defaultTuneFile({})).toMatch(/\.cache[/\\]webgpu-rl[/\\]tune\.json$/);
  });

  test('an unwritable location warns and does not throw', async () => {
    const warnings: string[] = [];
    const blocker = tempFile();
    writeFileSync(blocker, 'a file, not a directory');
    const cache = new FileTuneCache(join(blocker, 'sub', 'tune.json'), (m) => warnings.push(m));
    await cache.set('a', entry({ lossSamples: 1, lossTile: 8, gradientTiling: 'direct', rolloutWorkgroup: 64 }));
    expect(warnings.join('\n')).toMatch(/cannot be written/);
  });
});

describe('tuning configuration and checks', () => {
  test('tune and tune_budget_ms are validated', () => {
    expect(resolveConfig({ env: 'CartPole-v1' }, false)).toMatchObject({ tune: false, tune_budget_ms: 3000 });
    expect(() => resolveConfig({ env: 'CartPole-v1', tune: 'yes' as unknown as boolean }, false)).toThrow(ConfigError);
    expect(() => resolveConfig({ env: 'CartPole-v1', tune: 'yes' as unknown as boolean }, false)).toThrow(/'tune' is "yes"; expected true or false/);
    expect(() => resolveConfig({ env: 'CartPole-v1', tune_budget_ms: 0 }, false)).toThrow(/'tune_budget_ms' is 0; expected a positive integer/);
  });

  test('checkRatio passes f32-sized differences and catches real ones and NaN', () => {
    const ref = new Float32Array([1, -2, 0.5, 0]);
    expect(checkRatio(new Float32Array([1 + 1e-6, -2, 0.5, 1e-6]), ref, 1e-4, 1e-3)).toBeLessThan(1);
    expect(checkRatio(new Float32Array([1.01, -2, 0.5, 0]), ref, 1e-4, 1e-3)).toBeGreaterThan(1);
    expect(checkRatio(new Float32Array([Number.NaN, -2, 0.5, 0]), ref, 1e-4, 1e-3)).toBe(Infinity);
    expect(checkRatio(new Float32Array([1, -2, 0.5]), ref, 1e-4, 1e-3)).toBe(Infinity);
  });

  test('loss candidates: the default first, none past the private-array bound or the chunk', () => {
    const names = (chunk: number, widest: number) => lossCandidates(chunk, widest).map(lossLayoutName);
    expect(names(256, 64)).toEqual(['4x4', '4x8', '1x4', '1x8', '2x4', '2x8', '8x4', '8x8']);
    expect(names(256, 128)).toEqual(['4x4', '4x8', '1x4', '1x8', '2x4', '2x8']);
    expect(names(2, 8)).toEqual(['4x4', '4x8', '1x4', '1x8', '2x4', '2x8']);
    // Chunks of 512 and more default to 8 x 8 where the private arrays allow 8 samples, else to 4 x 4.
    expect(names(1024, 64)).toEqual(['8x8', '8x4', '1x4', '1x8', '2x4', '2x8', '4x4', '4x8']);
    expect(names(1024, 65)).toEqual(['4x4', '4x8', '1x4', '1x8', '2x4', '2x8']);
    expect(parseLossLayout('8x4')).toEqual({ samples: 8, tile: 4 });
    expect(() => parseLossLayout('8')).toThrow(/'8' is not 'SxT'/);
  });
});

describe('tuning on the GPU', () => {
  gpuTest('tune false: the fixed defaults, no cache read or written', async (gpu) => {
    const cache = new MemoryTuneCache();
    const run = runOf({ tune: false });
    const result = await kernelChoiceFor(gpu, run, { cache });
    expect(result.source).toBe('defaults');
    const { chunk, widest } = runSizes(gpu, run);
    expect(result.choice).toEqual(defaultChoice(chunk, widest));
    expect(cache.entries.size).toBe(0);
  });

  gpuTest(
    'first use tunes and caches; the next run uses the cache; other sizes tune again; a budget skips candidates',
    async (gpu) => {
      const cache = new MemoryTuneCache();
      // A budget of 1 ms: the defaults are measured (the references), every other candidate is skipped.
      const tight = runOf({ tune: true, tune_budget_ms: 1 });
      const first = await kernelChoiceFor(gpu, tight, { cache });
      expect(first.source).toBe('tuned');
      const report = first.report!;
      const others = report.candidates.filter((c) => !c.isDefault);
      expect(others.length).toBeGreaterThan(0);
      expect(others.every((c) => c.status === 'skipped' && /over budget/.test(c.reason!))).toBe(true);
      expect(report.candidates.filter((c) => c.isDefault).map((c) => [c.kernel, c.status])).toEqual([
        ['loss', 'measured'],
        ['gradient', 'measured'],
        ['rollout', 'measured'],
      ]);
      expect(first.choice).toEqual(report.defaults);
      expect(cache.entries.size).toBe(1);
      const key = tuneKey(gpu.adapter, runSizes(gpu, tight).sizes);
      expect(cache.entries.get(key)!.choice).toEqual(first.choice);

      // Same adapter and sizes: the cached choice, no tuning (the stored report comes back).
      const second = await kernelChoiceFor(gpu, tight, { cache });
      expect(second.source).toBe('cache');
      expect(second.report!.elapsedMs).toBe(report.elapsedMs);

      // A changed size is another key: tuned again. With room in the budget no candidate is skipped, every
      // one passes the check against the default, and the choice is the fastest measured of each kernel.
      const roomy = runOf({ tune: true, tune_budget_ms: 600_000, num_envs: 16 });
      const third = await kernelChoiceFor(gpu, roomy, { cache });
      expect(third.source).toBe('tuned');
      expect(cache.entries.size).toBe(2);
      const all = third.report!.candidates;
      expect(all.filter((c) => c.status !== 'measured').map((c) => `${c.kernel} ${c.candidate}: ${c.status} ${c.reason ?? ''}`)).toEqual([]);
      expect(new Set(all.map((c) => c.kernel))).toEqual(new Set(['loss', 'gradient', 'rollout']));
      for (const kernel of ['loss', 'gradient', 'rollout'] as const) {
        const mine = all.filter((c) => c.kernel === kernel);
        const chosen = mine.filter((c) => c.chosen);
        expect(chosen).toHaveLength(1);
        expect(chosen[0]!.ms).toBe(Math.min(...mine.map((c) => c.ms!)));
        expect(mine.every((c) => c.checkRatio! <= 1)).toBe(true);
      }
      expect(`${third.choice.lossSamples}x${third.choice.lossTile}`).toBe(all.find((c) => c.kernel === 'loss' && c.chosen)!.candidate);

      // retune (the CLI's) measures again even with a cached choice.
      const fourth = await kernelChoiceFor(gpu, tight, { cache, retune: true });
      expect(fourth.source).toBe('tuned');
    },
    240_000,
  );

  gpuTest(
    'webgpu-rl tune prints every candidate, the choice and the gain, and writes --json',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'webgpu-rl-tune-cli-'));
      const config = join(dir, 'run.json');
      writeFileSync(config, JSON.stringify({ num_envs: 8, num_steps: 8, hidden_sizes: [8] }));
      const json = join(dir, 'report.json');
      const cache = new MemoryTuneCache();
      let printed = '';
      const code = await tune({ env: 'CartPole-v1', config, budgetMs: 1, json }, { cache, out: (t) => (printed += t) });
      expect(code).toBe(0);
      expect(printed).toMatch(/^adapter: /);
      expect(printed).toMatch(/loss\s+4x4\s+[\d.]+.*measured \(default\) CHOSEN/);
      expect(printed).toMatch(/skipped: over budget/);
      expect(printed).toMatch(/gain over the default: loss x1\.00, gradient x1\.00, rollout x1\.00/);
      expect(printed).toContain('cached in memory');
      const report = JSON.parse(readFileSync(json, 'utf8')) as TuneReport;
      expect(report.budgetMs).toBe(1);
      expect(report.sizes).toMatchObject({ env: 'CartPole-v1', numEnvs: 8, numSteps: 8, hidden: [8] });
      expect(cache.entries.size).toBe(1);
      await expect(tune({ env: 'NoSuchEnv-v0', budgetMs: 1 }, { cache, out: () => undefined })).rejects.toThrow(/NoSuchEnv-v0/);
      expect(existsSync(join(dir, 'nothing.json'))).toBe(false);
    },
    240_000,
  );

  gpuTest(
    'a trainer on a non-default cached choice trains as the default one does, within tolerance',
    async (gpu) => {
      const path = tempFile();
      const previous = process.env.WEBGPU_RL_TUNE_FILE;
      process.env.WEBGPU_RL_TUNE_FILE = path;
      try {
        const user = { ...SMALL, hidden_sizes: [8], seed: 5 };
        const run = runOf({ ...user, tune: true });
        const { chunk, widest, sizes } = runSizes(gpu, run);
        const defaults = defaultChoice(chunk, widest);
        // Every kernel off its default: 1 sample per invocation and 8 outputs per tile, the other tiling, 32-wide
        // rollout workgroups.
        const forced: KernelChoice = { lossSamples: 1, lossTile: 8, gradientTiling: defaults.gradientTiling === 'direct' ? 'shared' : 'direct', rolloutWorkgroup: 32 };
        await new FileTuneCache(path).set(tuneKey(gpu.adapter, sizes), entry(forced));
        const results: { params: Float32Array; returns: (number | null)[] }[] = [];
        for (const tuneOn of [false, true]) {
          const trainer = await Trainer.create({ ...user, tune: tuneOn }, gpu as Gpu);
          try {
            expect(trainer.algorithm.kernels.source).toBe(tuneOn ? 'cache' : 'defaults');
            expect(trainer.algorithm.kernels.choice).toEqual(tuneOn ? forced : defaults);
            const returns: (number | null)[] = [];
            await trainer.train({ totalSteps: 3 * 64, onIteration: (r) => void returns.push(r.episodicReturn) });
            results.push({ params: await readFloat32(gpu, trainer.algorithm.state.params), returns });
          } finally {
            trainer.destroy();
          }
        }
        const [base, tuned] = results;
        expect(tuned!.returns).toEqual(base!.returns);
        // Three iterations of 4 Adam steps each from the same start: f32 sums in another order only.
        expect(checkRatio(tuned!.params, base!.params, 1e-4, 1e-3)).toBeLessThanOrEqual(1);
        let differs = false;
        for (let i = 0; i < base!.params.length; i++) if (base!.params[i] !== tuned!.params[i]) differs = true;
        console.log(`tuned vs default parameters: ${differs ? 'differ within tolerance' : 'bit-identical'} (check ratio ${checkRatio(tuned!.params, base!.params, 1e-4, 1e-3).toExponential(2)})`);
      } finally {
        if (previous === undefined) delete process.env.WEBGPU_RL_TUNE_FILE;
        else process.env.WEBGPU_RL_TUNE_FILE = previous;
      }
    },
    240_000,
  );
});
