/**
 * The pipeline cache. A compute pipeline is determined by its WGSL text and entry point, and the WGSL text by the
 * compile-time inputs of its builder (layer widths, activation, workgroup size, environment): owners ask for
 * `{ key, build }` and the WGSL is built and compiled once per key per device. Sizes that change at run time go
 * in uniforms, never in the key.
 *
 * Compilation is awaited once, when an owner is created, so that a broken shader fails with the kernel's name and
 * the compiler's message and line (ShaderCompileError), and never inside a training iteration.
 */
import { ShaderCompileError, type ShaderMessage } from './errors.js';
import { bindGroupLayout, type BindingKind, type BindingTable } from './bindings.js';

export { bindGroupLayout, type BindingKind } from './bindings.js';

export interface KernelRequest {
  /** `Owner.role` label of the pipeline, e.g. `Adam.step`. */
  label: string;
  /** Compile-time inputs that determine the code: same key, same code. */
  key: string;
  /** Builds the WGSL (called once per key). */
  build: () => string;
  entryPoint: string;
  /**
   * Describes a line of the built code for error messages (e.g. "line 7 of the custom environment 'Foo-v0'");
   * return undefined to keep the plain line number.
   */
  locate?: (line: number) => string | undefined;
  /**
   * The bindings of group 0: the kernel's binding table (bindings.ts), or, for kernels that still list them by
   * position, their kinds in binding order. With them the pipeline gets an explicit layout, so one bind group
   * serves every entry point of the module (with 'auto', each entry point's layout holds only the bindings it
   * uses).
   */
  bindings?: Pick<BindingTable, 'kinds'> | readonly BindingKind[];
}

export class PipelineCache {
  private readonly modules = new Map<string, Promise<{ module: GPUShaderModule; code: string }>>();
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();

  constructor(private readonly device: GPUDevice) {}

  /** Number of distinct pipelines compiled so far (for tests of the cache itself). */
  get size(): number {
    return this.pipelines.size;
  }

  pipeline(request: KernelRequest): Promise<GPUComputePipeline> {
    const pipelineKey = `${request.key}\u0000${request.entryPoint}`;
    let pipeline = this.pipelines.get(pipelineKey);
    if (!pipeline) {
      pipeline = this.create(request);
      this.pipelines.set(pipelineKey, pipeline);
      pipeline.catch(() => this.pipelines.delete(pipelineKey));
    }
    return pipeline;
  }

  private async create(request: KernelRequest): Promise<GPUComputePipeline> {
    const { module, code } = await this.module(request);
    this.device.pushErrorScope('validation');
    let pipeline: GPUComputePipeline;
    try {
      pipeline = await this.device.createComputePipelineAsync({
        label: request.label,
        layout: request.bindings
          ? this.device.createPipelineLayout({
              label: `${request.label}.pipelineLayout`,
              bindGroupLayouts: [
                bindGroupLayout(
                  this.device,
                  request.label,
                  'kinds' in request.bindings ? request.bindings.kinds : request.bindings,
                ),
              ],
            })
          : 'auto',
        compute: { module, entryPoint: request.entryPoint },
      });
    } catch (cause) {
      await this.device.popErrorScope();
      const messages = await compilerMessages(module, code, request.locate);
      throw new ShaderCompileError(request.label, messages, (cause as Error).message);
    }
    const error = await this.device.popErrorScope();
    if (error) {
      throw new ShaderCompileError(request.label, await compilerMessages(module, code, request.locate), error.message);
    }
    return pipeline;
  }

  private module(request: KernelRequest): Promise<{ module: GPUShaderModule; code: string }> {
    let entry = this.modules.get(request.key);
    if (!entry) {
      entry = (async () => {
        const code = request.build();
        this.device.pushErrorScope('validation');
        const module = this.device.createShaderModule({ label: request.label, code });
        const scopeError = await this.device.popErrorScope();
        const messages = await compilerMessages(module, code, request.locate);
        if (scopeError || messages.some((m) => m.type === 'error')) {
          throw new ShaderCompileError(request.label, messages, scopeError?.message);
        }
        return { module, code };
      })();
      this.modules.set(request.key, entry);
      entry.catch(() => this.modules.delete(request.key));
    }
    return entry;
  }
}

async function compilerMessages(
  module: GPUShaderModule,
  code: string,
  locate?: (line: number) => string | undefined,
): Promise<ShaderMessage[]> {
  const info = await module.getCompilationInfo();
  const lines = code.split('\n');
  return info.messages.map((m) => {
    const where = locate?.(m.lineNum);
    return {
      type: m.type,
      message: where ? `${m.message} (${where})` : m.message,
      line: m.lineNum,
      column: m.linePos,
      sourceLine: m.lineNum > 0 ? (lines[m.lineNum - 1] ?? '') : '',
    };
  });
}
