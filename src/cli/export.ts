/**
 * `webgpu-rl export`: a policy file (train --save) as an ONNX model for other engines (src/onnx/export.ts), on the
 * CPU: no GPU is needed. The output path is checked before the policy is read; the model is written through a
 * temporary name and a rename, so a failed export leaves nothing behind.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { CheckpointError, loadPolicy } from '../checkpoint.js';
import { describeOnnxInterface, exportOnnx, ONNX_OPSET } from '../onnx/export.js';
import { checkWritable, writeFileAtomic } from './atomicFile.js';
import { expectKind, readBytes } from './files.js';

export interface ExportFlags {
  policy: string;
  onnx: string;
}

/** The path with symbolic links resolved where it exists (so two names of one file compare equal). */
function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

export async function exportModel(flags: ExportFlags): Promise<number> {
  if (canonical(flags.onnx) === canonical(flags.policy)) {
    throw new Error(`--onnx '${flags.onnx}' is the --policy file; expected another path (the ONNX model would replace the policy)`);
  }
  checkWritable('--onnx', flags.onnx);
  const bytes = readBytes('--policy', flags.policy);
  expectKind(bytes, 'policy', '--policy', flags.policy);
  let policy;
  try {
    policy = await loadPolicy(bytes, { backend: 'cpu' });
  } catch (error) {
    if (error instanceof CheckpointError) throw new Error(`--policy '${flags.policy}': ${error.message}`);
    throw error;
  }
  const model = exportOnnx(policy);
  writeFileAtomic(flags.onnx, model);
  process.stdout.write(
    `wrote '${flags.onnx}' (${model.length} bytes): the ${policy.spec.id} policy as ONNX (opset ${ONNX_OPSET}): ` +
      `${describeOnnxInterface(policy.spec, policy.normalization?.clipObs)}\n`,
  );
  return 0;
}
