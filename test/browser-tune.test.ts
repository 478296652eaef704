/**
 * The kernel tuner in a real browser: headless Chromium (SwiftShader without a GPU) keeps the choice in
 * IndexedDB (written, read back, a malformed entry ignored with a warning), tunes CartPole's default run on its
 * adapter and finds the choice cached on the next call. Skips, saying why, where no browser exists.
 */
import { describe, expect } from 'vitest';
import { browserTest } from './helpers/browser.js';
import { formatTuneReport } from '../src/tune/format.js';
import type { TuneCacheResult } from './browser/tune-cache.js';

describe('browser', () => {
  browserTest('the tuner caches its choice in IndexedDB', async (session) => {
    const run = await session.run<TuneCacheResult>('test/browser/tune-cache.html', 300_000);
    const v = run.value;
    expect(v.roundTrip).toBe(true);
    expect(v.malformedIgnored).toBe(true);
    expect(v.malformedWarning).toMatch(/malformed entry/);
    expect(v.platformCache).toBe('IndexedDB webgpu-rl/tune');
    expect(v.first).toBe('tuned');
    expect(v.second).toBe('cache');
    expect(v.sameChoice).toBe(true);
    expect(v.report.candidates.filter((c) => c.isDefault).every((c) => c.status === 'measured')).toBe(true);
    console.log(`browser tuning (${session.executable}):\n${formatTuneReport(v.report)}`);
  });
});
