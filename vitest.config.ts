import { defineConfig } from 'vitest/config';

// Tests prove correctness on small sizes; speed belongs to `npm run bench`.
// GPU tests share the machine's cores with the software adapter, so files run in two forked workers at most.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
