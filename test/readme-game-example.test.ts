/**
 * The README stays true: its "Use it in your game" example runs as written (the import line replaced
 * by the package's functions), and the policy it loads plays CartPole as a trained one does.
 */
import { readFileSync } from 'node:fs';
import { describe, expect } from 'vitest';
import { createEnv, createTrainer, exportPolicy, loadPolicy, type CpuPolicy, type Trainer } from '../src/index.js';
import { gpuTest } from './helpers/gpu.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function example(name: string): string {
  const match = new RegExp(`<!-- example: ${name} -->\\n\`\`\`ts\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  if (!match) throw new Error(`README.md has no example '${name}'`);
  return match[1]!;
}

describe('README.md, Use it in your game', () => {
  gpuTest('"Use it in your game" runs as written: train, export, load, act', async (gpu) => {
    const code = example('use-in-your-game');
    expect(code.split('\n').filter((line) => line.trim() && !line.trim().startsWith('//')).length, 'lines of code').toBeLessThanOrEqual(10);
    const imports = /^import \{ ([^}]+) \} from 'webgpu-rl';$/m.exec(code);
    expect(imports?.[1]?.split(',').map((s) => s.trim())).toEqual(['createTrainer', 'exportPolicy', 'loadPolicy']);
    const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...args: string[]) => (...values: unknown[]) => Promise<{
      trainer: Trainer;
      bytes: Uint8Array;
      policy: CpuPolicy;
      action: number;
    }>;
    const run = new AsyncFunction('createTrainer', 'exportPolicy', 'loadPolicy', `${code.replace(/^import .*$/m, '')}\nreturn { trainer, bytes, policy, action };`);
    const { trainer, bytes, policy, action } = await run((config: Parameters<typeof createTrainer>[0]) => createTrainer(config, { gpu }), exportPolicy, loadPolicy);
    expect(trainer.globalStep).toBeGreaterThanOrEqual(49_000);
    expect(bytes.length).toBeLessThan(32 * 1024);
    expect([0, 1]).toContain(action);

    // The shipped file plays: every one of 8 CartPole episodes, acted on by actSync, lasts 200 steps or more.
    const env = await createEnv('CartPole-v1', { numEnvs: 8, seed: 2024, gpu });
    let obs = await env.reset();
    const lengths = new Array<number | null>(8).fill(null);
    for (let t = 1; t <= 500 && lengths.includes(null); t++) {
      const result = await env.step(policy.actSync(obs, { deterministic: true }) as Int32Array);
      result.terminated.forEach((ended, n) => {
        if ((ended || result.truncated[n]) && lengths[n] === null) lengths[n] = t;
      });
      obs = result.obs;
    }
    env.destroy();
    trainer.destroy();
    const played = lengths.map((length) => length ?? 500);
    expect(Math.min(...played), `episode lengths ${played}`).toBeGreaterThanOrEqual(200);
  }, 300_000);
});
