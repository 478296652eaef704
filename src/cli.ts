#!/usr/bin/env node
/**
 * The command line. Installed as a package: `npx webgpu-rl <command>` (dist/src/cli.js, package.json's bin). In a
 * clone of the repository: `npm run cli -- <command>` (`node --import tsx src/cli.ts <command>`, no build).
 *
 *   train  [--env ID] [--algo ppo|ppo-penalty] [--total-steps N] [--seed S] [--num-envs N] [--config FILE.json]
 *          [--json FILE] [--save FILE] [--checkpoint FILE] [--checkpoint-every N] [--resume FILE]
 *   eval   --policy FILE [--episodes N] [--sample] [--seed S] [--json FILE]
 *   export --policy FILE --onnx FILE.onnx   the policy as an ONNX model (on the CPU, not relayed)
 *   envs   lists the registered environments
 *
 * The GPU commands run in a child process whose stderr is filtered (src/cli/relay.ts): this file stays small so
 * that the launcher loads nothing else.
 */
import { isRelayedChild, relay } from './cli/relay.js';

const command = process.argv[2];
// Dawn prints those warnings for Vulkan adapters; on Windows a detached child would also open a console window.
if ((command === 'train' || command === 'eval') && !isRelayedChild() && process.platform !== 'win32') {
  process.exitCode = await relay().catch((error: Error) => {
    process.stderr.write(`webgpu-rl: could not start the training process: ${error.message}\n`);
    return 1;
  });
} else {
  const { main } = await import('./cli/program.js');
  await main(process.argv);
}
