/**
 * A kernel's bindings declared once, by name. One table `{ name: kind(WGSL type) }` gives the WGSL declarations of
 * group 0 (bindings numbered in declaration order), the bind group layout (the pipeline cache takes the table as
 * `bindings`) and bind groups from buffers passed by name, so no kernel lists its buffers by position.
 *
 *   // beside the kernel's WGSL:
 *   export const GaeParams = uniformStruct('GaeParams', { num_envs: 'u32', gamma: 'f32' });   // see uniforms.ts
 *   export const gaeBindings = bindingTable({ params: uniform(GaeParams), data: storage('array<f32>') });
 *   const code = `${gaeBindings.wgsl}
 *   @compute @workgroup_size(64) fn gae(...) { ... params.gamma ... data[i] ... }`;
 *   // gaeBindings.wgsl is:
 *   //   struct GaeParams { num_envs: u32, gamma: f32, }          (one line per field)
 *   //   @group(0) @binding(0) var<uniform> params: GaeParams;
 *   //   @group(0) @binding(1) var<storage, read_write> data: array<f32>;
 *
 *   // in its owner:
 *   const uniformBuffer = GaeParams.createBuffer(gpu, 'Gae.params', { num_envs: 8, gamma: 0.99 });   // later: GaeParams.writeTo(gpu, uniformBuffer, values)
 *   const pipeline = await gpu.pipelines.pipeline({ label: 'Gae.scan', key: 'Gae', entryPoint: 'gae', bindings: gaeBindings, build: () => code });
 *   const group = gaeBindings.bindGroup(gpu.device, 'Gae.group', pipeline.getBindGroupLayout(0), { params: uniformBuffer, data });
 *
 * Kinds: `uniform`, `dynamicUniform` (bound with a dynamic offset, setBindGroup's dynamicOffsets; bind a
 * `{ buffer, size }` range of one slot), `readOnlyStorage` (`var<storage, read>`) and `storage`
 * (`var<storage, read_write>`). A binding's type is WGSL text or a uniform struct, whose declaration the table
 * then emits (once) before the variables. The names object of `bindGroup` is typed from the table: a missing or
 * extra name is a type error, and a run-time error naming it.
 *
 * Written in-house rather than taken from webgpu-utils: that library parses the WGSL at run time to find the
 * bindings, while here the table is the source of the WGSL, which takes a few lines, not a parser.
 */
import { checkIdentifier, type UniformStruct } from './uniforms.js';

/** 'uniform-dynamic': a uniform bound with a dynamic offset (setBindGroup's dynamicOffsets). */
export type BindingKind = 'uniform' | 'uniform-dynamic' | 'read-only-storage' | 'storage';

/** One row of a binding table: its kind and WGSL type. */
export interface Binding<K extends BindingKind = BindingKind> {
  readonly kind: K;
  /** The variable's WGSL type, or a uniform struct (declared by the table). */
  readonly type: string | UniformStruct;
}

export type BindingEntries = Record<string, Binding>;

/** A whole buffer, or a `{ buffer, offset, size }` range of one. */
export type BufferResource = GPUBuffer | GPUBufferBinding;

/** The buffers of a bind group by binding name: exactly one per binding of the table. */
export type BindingResources<E extends BindingEntries> = { readonly [K in keyof E]: BufferResource };

/** A uniform: `var<uniform> name: type`. */
export function uniform(type: string | UniformStruct): Binding<'uniform'> {
  return { kind: 'uniform', type };
}

/** A uniform bound with a dynamic offset: the bind group holds a one-slot range, each dispatch picks the slot. */
export function dynamicUniform(type: string | UniformStruct): Binding<'uniform-dynamic'> {
  return { kind: 'uniform-dynamic', type };
}

/** A read-only storage buffer: `var<storage, read> name: type`. */
export function readOnlyStorage(type: string | UniformStruct): Binding<'read-only-storage'> {
  return { kind: 'read-only-storage', type };
}

/** A read-write storage buffer: `var<storage, read_write> name: type`. */
export function storage(type: string | UniformStruct): Binding<'storage'> {
  return { kind: 'storage', type };
}

const ADDRESS_SPACE: Record<BindingKind, string> = {
  uniform: 'uniform',
  'uniform-dynamic': 'uniform',
  'read-only-storage': 'storage, read',
  storage: 'storage, read_write',
};

/** The buffer usage a binding of `kind` needs (read when binding: the WebGPU globals exist by then). */
function usageFor(kind: BindingKind): { flag: number; name: string } {
  return kind === 'uniform' || kind === 'uniform-dynamic'
    ? { flag: GPUBufferUsage.UNIFORM, name: 'UNIFORM' }
    : { flag: GPUBufferUsage.STORAGE, name: 'STORAGE' };
}

/** The bind group layout for group 0 of a module whose bindings are `kinds`, in binding order. */
export function bindGroupLayout(device: GPUDevice, label: string, kinds: readonly BindingKind[]): GPUBindGroupLayout {
  return device.createBindGroupLayout({
    label: `${label}.layout`,
    entries: kinds.map((kind, binding) => ({
      binding,
      visibility: GPUShaderStage.COMPUTE,
      buffer: kind === 'uniform-dynamic' ? { type: 'uniform' as const, hasDynamicOffset: true } : { type: kind },
    })),
  });
}

/** The storage buffers per shader stage every WebGPU adapter allows (the limit's default). */
export const GUARANTEED_STORAGE_BUFFERS = 8;

export class BindingTable<E extends BindingEntries = BindingEntries> {
  /** Binding names in binding order. */
  readonly names: readonly (keyof E & string)[];
  /** Binding kinds in binding order (what the layout is made from). */
  readonly kinds: readonly BindingKind[];
  /** The WGSL declarations of group 0: the uniform structs used, then one variable per binding. */
  readonly wgsl: string;

  constructor(readonly entries: E) {
    const names = Object.keys(entries);
    if (names.length === 0) throw new Error('binding table has no bindings; expected at least one');
    const storageNames = names.filter((name) => entries[name]?.kind === 'storage' || entries[name]?.kind === 'read-only-storage');
    if (storageNames.length > GUARANTEED_STORAGE_BUFFERS) {
      throw new Error(
        `binding table has ${storageNames.length} storage buffers (${storageNames.join(', ')}); expected at most ${GUARANTEED_STORAGE_BUFFERS}, ` +
          "WebGPU's guaranteed maxStorageBuffersPerShaderStage (a kernel with more fails on adapters that allow no more, such as Chrome's SwiftShader)",
      );
    }
    const structs = new Map<string, UniformStruct>();
    const lines = names.map((name, binding) => {
      checkIdentifier('binding name', name);
      const entry = entries[name]!;
      if (!entry || !(entry.kind in ADDRESS_SPACE)) {
        throw new Error(`binding '${name}' has kind ${JSON.stringify(entry?.kind)}; expected one made by uniform, dynamicUniform, readOnlyStorage or storage`);
      }
      let type: string;
      if (typeof entry.type === 'string') {
        type = entry.type;
      } else {
        const struct = entry.type;
        const seen = structs.get(struct.name);
        if (seen && seen.wgsl !== struct.wgsl) throw new Error(`binding table declares two different structs named ${struct.name}`);
        structs.set(struct.name, struct);
        type = struct.name;
      }
      if (!type.trim()) throw new Error(`binding '${name}' has an empty WGSL type`);
      return `@group(0) @binding(${binding}) var<${ADDRESS_SPACE[entry.kind]}> ${name}: ${type};\n`;
    });
    this.names = names;
    this.kinds = names.map((name) => entries[name]!.kind);
    this.wgsl = [...structs.values()].map((s) => s.wgsl).join('') + lines.join('');
  }

  /** The binding number of `name`. */
  binding(name: keyof E & string): number {
    const index = this.names.indexOf(name);
    if (index < 0) throw new Error(`binding table has no binding '${name}'; its bindings are ${this.names.join(', ')}`);
    return index;
  }

  /** The bind group layout of this table (the pipeline cache makes the same one from `bindings: table`). */
  layout(device: GPUDevice, label: string): GPUBindGroupLayout {
    return bindGroupLayout(device, label, this.kinds);
  }

  /**
   * A bind group of `layout` (a pipeline's getBindGroupLayout(0), or `layout()`) from buffers by binding name.
   * Throws naming the binding when one is missing, unknown, a buffer without the usage its kind needs, or a
   * dynamic uniform given without the size of its slot.
   */
  bindGroup(device: GPUDevice, label: string, layout: GPUBindGroupLayout, resources: BindingResources<E>): GPUBindGroup {
    const given = resources as Record<string, BufferResource | undefined>;
    for (const name of Object.keys(given)) {
      if (!(this.names as readonly string[]).includes(name)) {
        throw new Error(`bind group '${label}' names a binding '${name}' the table does not have; its bindings are ${this.names.join(', ')}`);
      }
    }
    const entries = this.names.map((name, binding) => {
      const resource = given[name];
      const kind = this.kinds[binding]!;
      if (!resource) {
        throw new Error(`bind group '${label}' has no buffer for binding '${name}' (binding ${binding}, ${kind}); expected one for each of ${this.names.join(', ')}`);
      }
      const range: GPUBufferBinding = 'buffer' in resource ? resource : { buffer: resource };
      const usage = usageFor(kind);
      if (!(range.buffer.usage & usage.flag)) {
        throw new Error(`bind group '${label}' binding '${name}' (${kind}) gets buffer '${range.buffer.label}' without ${usage.name} usage`);
      }
      if (kind === 'uniform-dynamic' && range.size === undefined) {
        throw new Error(`bind group '${label}' binding '${name}' (uniform-dynamic) gets a whole buffer; expected a { buffer, size } range of one slot, which each dispatch's dynamic offset moves`);
      }
      return { binding, resource: range };
    });
    return device.createBindGroup({ label, layout, entries });
  }
}

/** Declares a kernel's bindings (see the module header). */
export function bindingTable<const E extends BindingEntries>(entries: E): BindingTable<E> {
  return new BindingTable(entries);
}
