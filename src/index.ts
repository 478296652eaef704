/// <reference types="@webgpu/types" preserve="true" />
/**
 * The public API of webgpu-rl: `import { ... } from 'webgpu-rl'` in Node and in a browser bundle (Vite).
 */
export { Gpu, getGpu, requestGpu, type AdapterDescription, type GpuOptions } from './gpu/device.js';
export {
  BufferTooLargeError,
  GpuValidationError,
  ShaderCompileError,
  WebGpuUnavailableError,
  type ShaderMessage,
} from './gpu/errors.js';

// Environments: Gymnasium's classic control on the GPU, custom WGSL and JavaScript environments.
export * from './envs/index.js';

// Training.
export { Trainer, SOLVED_WINDOW, type TrainOptions, type TrainSummary, type EvaluateOptions, type TrainerInput } from './trainer.js';
export { createTrainer } from './createTrainer.js';
export { Population, type PopulationReport, type PopulationSummary, type AgentSummary, type PopulationTrainOptions } from './population/population.js';
export { AGENT_KEYS, type PopulationOptions } from './population/config.js';
export { DestroyedError } from './destroyed.js';
export { UnknownOptionError } from './options.js';
export {
  ALGOS,
  PSIS,
  CONFIG_KEYS,
  CLEANRL_DEFAULTS,
  CLEANRL_CONTINUOUS_DEFAULTS,
  A2C_DEFAULTS,
  REINFORCE_DEFAULTS,
  TUNED,
  defaultsFor,
  ConfigError,
  type TrainerConfig,
  type Algo,
  type Psi,
} from './config.js';
export { TrainingDivergedError, type IterationReport } from './ppo/ppo.js';
export { computeGae, type GaeInput } from './ppo/gae.js';
export type { EvaluationResult } from './agent/evaluate.js';

// Inference, policies and checkpoints.
export { GpuPolicy, type ActOptions, type Actions } from './policy.js';
export { CpuPolicy } from './cpuPolicy.js';
export { evaluatePolicy } from './evaluatePolicy.js';
export {
  exportPolicy,
  loadPolicy,
  saveTrainer,
  loadTrainer,
  CheckpointError,
  POLICY_FORMAT,
  CHECKPOINT_FORMAT,
  FORMAT_VERSION,
  type LoadPolicyOptions,
  type LoadTrainerOptions,
  type LoadedPolicy,
  type FileInput,
} from './checkpoint.js';
export { encodeSafetensors, decodeSafetensors, SafetensorsError, type Tensor } from './safetensors.js';
// A policy for other engines (Unity Sentis, onnxruntime): its actor, normalisation included, as an ONNX model.
export { exportOnnx, OnnxExportError, ONNX_OPSET, ONNX_IR_VERSION } from './onnx/export.js';

// The lower layers, for custom kernels and tools.
export { ParamTable, type ParamView } from './nn/params.js';
