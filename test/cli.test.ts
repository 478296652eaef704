/**
 * The CLI as a user runs it (a child process): train writes the JSON summary and a policy file, eval reads it
 * back, and bad input fails with a message naming the problem and a non-zero exit code.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect } from 'vitest';
import { gpuTest } from './helpers/gpu.js';

const run = promisify(execFile);
const cli = ['node_modules/.bin/tsx', 'src/cli.ts'];

async function webgpuRl(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(cli[0]!, [cli[1]!, ...args], { timeout: 240_000 });
    return { stdout, stderr, code: 0 };
  } catch (error) {
    const e = error as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe('webgpu-rl CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'webgpu-rl-cli-'));

  gpuTest('train writes the summary JSON and a policy that eval reads back', async () => {
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ num_steps: 16, update_epochs: 2, num_minibatches: 2 }));
    const summaryPath = join(dir, 'summary.json');
    const policyPath = join(dir, 'policy.safetensors');
    const train = await webgpuRl('train', '--env', 'CartPole-v1', '--total-steps', '256', '--num-envs', '8', '--seed', '3', '--config', config, '--json', summaryPath, '--save', policyPath, '--eval-episodes', '10');
    expect(train.code, train.stderr).toBe(0);
    const summary = JSON.parse(readFileSync(summaryPath, 'utf8'));
    expect(summary).toMatchObject({ env: 'CartPole-v1', algo: 'ppo', seed: 3, totalSteps: 256, evalEpisodes: 10 });
    for (const key of ['wallSeconds', 'sps', 'evalReturnMean', 'evalReturnStd']) expect(typeof summary[key], key).toBe('number');
    expect(summary.solvedAtStep).toBeNull();
    expect(Object.keys(summary.adapter).sort()).toEqual(['architecture', 'description', 'vendor']);
    expect(summary.gpu).toMatchObject({ submitsPerIteration: 1, readbacksPerIteration: 1 });
    expect(summary.gpu.dispatchesPerIteration).toBeGreaterThan(3);
    expect(summary.gpu.bufferBytes).toBeGreaterThan(0);

    const evalPath = join(dir, 'eval.json');
    const evaluation = await webgpuRl('eval', '--policy', policyPath, '--episodes', '12', '--deterministic', '--json', evalPath);
    expect(evaluation.code, evaluation.stderr).toBe(0);
    expect(evaluation.stdout).toMatch(/^CartPole-v1: -?\d+\.\d+ ± \d+\.\d+ over 12 episodes \(deterministic\)/);
    expect(JSON.parse(readFileSync(evalPath, 'utf8'))).toMatchObject({ env: 'CartPole-v1', evalEpisodes: 12, deterministic: true, trainedSteps: 256 });
  });

  gpuTest('bad input fails with a clear message and exit code 1', async () => {
    const unknownKey = join(dir, 'bad.json');
    writeFileSync(unknownKey, JSON.stringify({ clip_coeff: 0.1 }));
    const badConfig = await webgpuRl('train', '--config', unknownKey, '--total-steps', '64');
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toMatch(/'clip_coeff'.*did you mean 'clip_coef'/);
    const badEnv = await webgpuRl('train', '--env', 'CartPol-v1');
    expect(badEnv.code).toBe(1);
    expect(badEnv.stderr).toMatch(/CartPol-v1.*CartPole-v1/s);
    const notAPolicy = join(dir, 'not-a-policy.safetensors');
    writeFileSync(notAPolicy, 'hello');
    const badPolicy = await webgpuRl('eval', '--policy', notAPolicy);
    expect(badPolicy.code).toBe(1);
    expect(badPolicy.stderr).toMatch(/not a valid webgpu-rl\/policy file/);
    const badFlag = await webgpuRl('train', '--total-steps', 'many');
    expect(badFlag.code).not.toBe(0);
    expect(badFlag.stderr).toMatch(/--total-steps must be an integer >= 1, got 'many'/);
  });
});
