/**
 * The CI promise of the test helpers: without an adapter or a browser a test skips saying why, except under CI,
 * where .ci/run's set-up step promised both and the test fails instead.
 */
import { afterEach, describe, expect, test, type TestContext } from 'vitest';
import { skipUnlessCi, underCi } from './helpers/ciPromise.js';

function fakeContext(): { context: TestContext; skipped: string[] } {
  const skipped: string[] = [];
  const context = { task: { name: 'a GPU test' }, skip: (note?: string) => void skipped.push(note ?? '') } as unknown as TestContext;
  return { context, skipped };
}

describe('skipUnlessCi', () => {
  const saved = process.env.CI;
  afterEach(() => {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  });

  test('under CI a missing adapter or browser fails the test, naming what is missing', () => {
    for (const value of ['true', '1', 'yes']) {
      process.env.CI = value;
      expect(underCi()).toBe(true);
      const { context, skipped } = fakeContext();
      expect(() => skipUnlessCi(context, 'a WebGPU adapter', 'Dawn found none')).toThrow(/promises a WebGPU adapter.*Dawn found none/);
      expect(skipped).toEqual([]);
    }
  });

  test('outside CI it skips with the reason', () => {
    for (const value of [undefined, '', 'false', '0']) {
      if (value === undefined) delete process.env.CI;
      else process.env.CI = value;
      expect(underCi()).toBe(false);
      const { context, skipped } = fakeContext();
      skipUnlessCi(context, 'a browser', 'no chromium on PATH');
      expect(skipped).toEqual(['no browser: no chromium on PATH']);
    }
  });
});
