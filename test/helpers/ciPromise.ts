/**
 * Under CI (`CI` set to anything but 'false' or '0'), .ci/run's set-up step promises a WebGPU adapter for Node and
 * a browser: a test that would skip for want of either fails instead, so a broken install can never pass as a run
 * of skipped tests. Elsewhere (a laptop without Chromium) those tests skip and say why.
 */
import type { TestContext } from 'vitest';

export function underCi(): boolean {
  const value = process.env.CI;
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/** Skips the test saying why, or under CI fails it naming what the set-up step should have provided. */
export function skipUnlessCi(context: TestContext, missing: 'a WebGPU adapter' | 'a browser', reason: string): void {
  if (underCi()) {
    throw new Error(`CI=${process.env.CI}: the set-up step promises ${missing}, but there is none (${reason}); run 'node scripts/prepare.mjs --strict' to see why`);
  }
  const why = `no ${missing.replace(/^an? /, '')}: ${reason}`;
  console.warn(`skipping '${context.task.name}': ${why}`);
  context.skip(why);
}
