/** The environment layer's public API (importing it registers the built-in environments). */
export { createEnv, type CreateEnvOptions } from './create.js';
export {
  defineGpuEnv,
  defineJsEnv,
  getEnvDefinition,
  isGpuEnvDefinition,
  listEnvs,
  type DefineOptions,
  type EnvDefinition,
  type EnvInfo,
  type GpuEnvDefinitionInput,
} from './registry.js';
export { GpuVecEnv, compileEnvKernels, envCapacity, type EnvCapacity, type GpuEnvBuffers, type GpuEnvKernels, type GpuVecEnvOptions } from './gpuEnv.js';
export {
  JsVecEnv,
  allocateStepResult,
  type JsEnvBatch,
  type JsEnvCreateOptions,
  type JsEnvDefinition,
  type JsEnvDefinitionInput,
  type JsEnvStepOutput,
  type JsVecEnvOptions,
} from './jsEnv.js';
export { EnvInputError, UnknownEnvError } from './errors.js';
export type { ActionSpace, BoxSpace, DiscreteSpace, EnvSpec, GpuEnvDefinition, StepResult, VecEnv } from './spec.js';
export { breakoutVariant, type BreakoutOptions } from './builtins/breakout.js';
export {
  PONG_ID,
  PONG_BALL_RADIUS,
  PONG_PADDLE_Y,
  PONG_PADDLE_HALF_WIDTH,
  PONG_PADDLE_SPEED,
  PONG_MAX_SPEED,
  PONG_MAX_RALLY_STEPS,
} from './builtins/pong.wgsl.js';
