/**
 * src/envs/README.md stays true: its table of built-ins matches the registry, and its two examples (a custom GPU
 * environment in WGSL, a custom JavaScript environment) run as written (the import line replaced by the engine's
 * functions) and behave as their comments say.
 */
import { readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { createEnv } from '../../src/envs/create.js';
import { defineGpuEnv, defineJsEnv, listEnvs } from '../../src/envs/registry.js';
import type { StepResult, VecEnv } from '../../src/envs/spec.js';
import { gpuTest } from '../helpers/gpu.js';

const readme = readFileSync(new URL('../../src/envs/README.md', import.meta.url), 'utf8');

/** The code block that follows `<!-- example: name -->`, without its import lines. */
function example(name: string): string {
  const match = new RegExp(`<!-- example: ${name} -->\\n\`\`\`ts\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  if (!match) throw new Error(`README.md has no example '${name}'`);
  return match[1]!.replace(/^import .*$/gm, '');
}

interface ExampleResult {
  env: VecEnv;
  obs: Float32Array;
  result: StepResult;
}

async function runExample(name: string): Promise<ExampleResult> {
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<ExampleResult>;
  const body = `${example(name)}\nreturn { env, obs, result };`;
  return new AsyncFunction('createEnv', 'defineGpuEnv', 'defineJsEnv', body)(createEnv, defineGpuEnv, defineJsEnv);
}

describe('src/envs/README.md', () => {
  gpuTest('the table of built-in environments matches the registry', async () => {
    const section = readme.slice(readme.indexOf('## Built-in environments'), readme.indexOf('States use'));
    const rows = section
      .split('\n')
      .filter((line) => /^\| [A-Z]/.test(line) && !line.startsWith('| id'))
      .map((line) => line.split('|').slice(1, -1).map((cell) => cell.trim()));
    const builtins = listEnvs().filter((e) => e.builtin);
    expect(rows.map((r) => r[0])).toEqual(builtins.map((e) => e.id));
    rows.forEach(([id, observation, actions, limit, threshold]) => {
      const spec = builtins.find((e) => e.id === id)!;
      expect(Number(observation!.split(':')[0]), `${id} observation`).toBe(spec.observationSize);
      const action = spec.action;
      expect(actions, `${id} actions`).toMatch(
        action.type === 'discrete' ? new RegExp(`^Discrete\\(${action.n}\\)`) : action.type === 'multiDiscrete' ? new RegExp(`^MultiDiscrete`) : new RegExp(`^Box\\(${action.size}\\) in \\[${action.low[0]}, ${action.high[0]}\\]`),
      );
      expect(Number(limit), `${id} limit`).toBe(spec.maxEpisodeSteps);
      expect(threshold === 'none' ? null : Number(threshold), `${id} threshold`).toBe(spec.rewardThreshold);
    });
  });

  gpuTest('the custom GPU environment example runs: the corridor walk', async () => {
    const { env, obs, result } = await runExample('gpu-env');
    expect(env.spec).toMatchObject({ id: 'Corridor-v0', observationSize: 1, maxEpisodeSteps: 100, rewardThreshold: 0.9 });
    expect(obs.length).toBe(1024);
    expect(new Set(obs)).toEqual(new Set([0, Math.fround(0.1), Math.fround(0.2)]));
    expect(Array.from(result.obs)).toEqual(Array.from(obs, (o) => Math.fround(Math.round(o * 10 + 1) / 10)));
    expect(Array.from(new Set(result.reward))).toEqual([Math.fround(-0.01)]);
    expect(result.terminated.every((t) => t === 0)).toBe(true);
    // Walking right reaches cell 10 after 10 - start steps, then the episode starts over.
    const starts = Array.from(obs, (o) => Math.round(o * 10));
    let ended = 0;
    for (let t = 2; t <= 10; t++) {
      const step = await env.step(new Int32Array(1024).fill(1));
      starts.forEach((start, n) => {
        const arrives = t === 10 - start;
        expect(step.terminated[n], `step ${t} env ${n}`).toBe(arrives ? 1 : 0);
        if (arrives) {
          ended += 1;
          expect(step.reward[n]).toBe(1);
          expect(step.finalObs[n]).toBe(1);
        }
      });
    }
    expect(ended).toBe(1024);
    env.destroy();
  });

  gpuTest('the custom JavaScript environment example runs: the thermostat', async () => {
    const { env, obs, result } = await runExample('js-env');
    expect(env.spec).toMatchObject({ id: 'Thermostat-v0', observationSize: 1, maxEpisodeSteps: 100, rewardThreshold: null });
    obs.forEach((t) => expect(t >= 10 && t < 30).toBe(true));
    obs.forEach((t, n) => {
      const next = Math.fround(t + (0.5 - 0.05 * (t - 15)));
      expect(result.obs[n]).toBe(next);
      expect(result.reward[n]).toBe(Math.fround(-Math.abs(next - 20)));
    });
    expect(Array.from(result.truncated)).toEqual(new Array(8).fill(0));
  });
});
