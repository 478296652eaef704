#!/usr/bin/env node
/**
 * The command line: `npx webgpu-rl <command>` (built: dist/src/cli.js) or `npx tsx src/cli.ts <command>`.
 * Each command is registered on `program` below.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';

/**
 * The version in the package's package.json. It is found by walking up from this file, because the file runs both
 * from src/ (tsx) and from dist/src/ (built), at different depths.
 */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'webgpu-rl' && pkg.version) return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

const program = new Command('webgpu-rl')
  .description('Reinforcement learning whose hot loop runs in WebGPU compute shaders (WGSL).')
  .version(packageVersion(), '-V, --version', 'print the version')
  .showHelpAfterError();

await program.parseAsync(process.argv);
