/**
 * Uniform structs declared once: one field list gives the WGSL struct, its byte layout and a typed host writer,
 * so no kernel packs a uniform at byte offsets by hand.
 *
 *   export const GaeParams = uniformStruct('GaeParams', { num_envs: 'u32', num_steps: 'u32', gamma: 'f32' });
 *   GaeParams.wgsl            // 'struct GaeParams {\n  num_envs: u32,\n  num_steps: u32,\n  gamma: f32,\n}\n'
 *   GaeParams.byteSize        // 16 (12 bytes of fields, rounded up to 16)
 *   GaeParams.write({ num_envs: 8, num_steps: 128, gamma: 0.99 })   // an ArrayBuffer of byteSize bytes
 *
 * Field types are the host-shareable scalars u32, i32, f32 and their vec2/vec3/vec4 (written `vec3f` or
 * `vec3<f32>`). Offsets follow WGSL's layout rules, which the compiler applies to the struct text as well:
 *
 *   type          align  size        host value
 *   u32 i32 f32     4      4         number
 *   vec2<T>         8      8         [x, y]
 *   vec3<T>        16     12         [x, y, z]
 *   vec4<T>        16     16         [x, y, z, w]
 *
 * Each field sits at the next multiple of its alignment; the struct's size is its last byte rounded up to its
 * largest alignment, and `byteSize` rounds that up to 16 (the unit of uniform buffers and of the uniform address
 * space's array strides). The WGSL text needs no padding members: the compiler inserts the same gaps.
 *
 * Written in-house rather than taken from webgpu-utils (`makeShaderDataDefinitions`, `makeStructuredView`): that
 * library parses WGSL text at run time to find the layout, while here the field list is the source of both the
 * WGSL and the layout, which takes a table of four rows, not a parser.
 */
import type { BufferMaker } from './buffers.js';

const SCALARS = ['u32', 'i32', 'f32'] as const;
type Scalar = (typeof SCALARS)[number];
type ScalarSuffix = 'u' | 'i' | 'f';

/** A field's WGSL type. */
export type FieldType =
  | Scalar
  | `vec${2 | 3 | 4}${ScalarSuffix}`
  | `vec${2 | 3 | 4}<${Scalar}>`;

export type FieldList = Record<string, FieldType>;

/** The host value of one field: a number for a scalar, a tuple of the vector's length. */
export type FieldValue<T extends FieldType> = T extends Scalar
  ? number
  : T extends `vec2${string}`
    ? readonly [number, number]
    : T extends `vec3${string}`
      ? readonly [number, number, number]
      : readonly [number, number, number, number];

/** The host values of a struct: exactly one value per field. */
export type StructValues<F extends FieldList> = { readonly [K in keyof F]: FieldValue<F[K]> };

/** Where one field lives in the struct. */
export interface FieldLayout {
  name: string;
  type: FieldType;
  scalar: Scalar;
  /** Components: 1 for a scalar, 2-4 for a vector. */
  components: number;
  /** Byte offset in the struct. */
  offset: number;
}

export interface UniformStruct<F extends FieldList = FieldList> {
  /** The WGSL struct's name. */
  readonly name: string;
  readonly fields: F;
  /** Fields in declaration order with their byte offsets. */
  readonly layout: readonly FieldLayout[];
  /** The struct's size in bytes, rounded up to 16: the size of a buffer (or dynamic-offset slot) holding it. */
  readonly byteSize: number;
  /** The WGSL struct declaration. */
  readonly wgsl: string;
  /**
   * The struct's bytes for `values`; into `target` at `byteOffset` when given (e.g. one slot of a buffer bound
   * with a dynamic offset), otherwise into a new ArrayBuffer of byteSize. Throws naming the field on a missing,
   * unknown, non-finite or out-of-range value.
   */
  write(values: StructValues<F>, target?: ArrayBuffer, byteOffset?: number): ArrayBuffer;
  /** Writes `values` into `buffer` at `byteOffset` through the queue (ordered before the next submit). */
  writeTo(gpu: BufferMaker, buffer: GPUBuffer, values: StructValues<F>, byteOffset?: number): void;
  /** A uniform buffer of byteSize holding `values` (UNIFORM | COPY_DST, labelled `label`). */
  createBuffer(gpu: BufferMaker, label: string, values: StructValues<F>): GPUBuffer;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Throws unless `name` can name a WGSL struct, member or variable. */
export function checkIdentifier(what: string, name: string): void {
  if (!IDENTIFIER.test(name) || name === '_' || name.startsWith('__')) {
    throw new Error(`${what} '${name}' is not a WGSL identifier; expected a letter or '_' then letters, digits or '_' (not '_' alone, not starting with '__')`);
  }
}

function parseType(struct: string, field: string, type: string): { scalar: Scalar; components: number } {
  if ((SCALARS as readonly string[]).includes(type)) return { scalar: type as Scalar, components: 1 };
  const short = /^vec([234])([uif])$/.exec(type);
  if (short) return { scalar: `${short[2]}32` as Scalar, components: Number(short[1]) };
  const long = /^vec([234])<(u32|i32|f32)>$/.exec(type);
  if (long) return { scalar: long[2] as Scalar, components: Number(long[1]) };
  throw new Error(
    `uniform struct ${struct} field '${field}' has type '${type}'; expected u32, i32, f32 or a vec2/vec3/vec4 of them (e.g. vec3f or vec3<f32>)`,
  );
}

/** WGSL's alignment and size of a scalar or vector of 4-byte components. */
function alignAndSize(components: number): { align: number; size: number } {
  return { align: components === 1 ? 4 : components === 2 ? 8 : 16, size: 4 * components };
}

const roundUp = (value: number, multiple: number) => Math.ceil(value / multiple) * multiple;

const F32_MAX = 3.4028234663852886e38;

function checkComponent(struct: string, field: string, scalar: Scalar, value: unknown): number {
  const expected =
    scalar === 'u32' ? 'an integer in [0, 4294967295]' : scalar === 'i32' ? 'an integer in [-2147483648, 2147483647]' : 'a finite number within the f32 range';
  const fail = () => {
    throw new RangeError(`uniform struct ${struct} field ${field} is ${String(value)}; expected ${expected} (${scalar})`);
  };
  if (typeof value !== 'number' || !Number.isFinite(value)) fail();
  const v = value as number;
  if (scalar === 'u32' && !(Number.isInteger(v) && v >= 0 && v <= 0xffffffff)) fail();
  if (scalar === 'i32' && !(Number.isInteger(v) && v >= -0x80000000 && v <= 0x7fffffff)) fail();
  if (scalar === 'f32' && Math.abs(v) > F32_MAX) fail();
  return v;
}

/** Declares a uniform struct from its field list (see the module header). */
export function uniformStruct<const F extends FieldList>(name: string, fields: F): UniformStruct<F> {
  checkIdentifier('uniform struct name', name);
  const names = Object.keys(fields);
  if (names.length === 0) throw new Error(`uniform struct ${name} has no fields; expected at least one`);
  let end = 0;
  let structAlign = 4;
  const layout: FieldLayout[] = names.map((field) => {
    checkIdentifier(`uniform struct ${name} field`, field);
    const type = fields[field] as FieldType;
    const { scalar, components } = parseType(name, field, type);
    const { align, size } = alignAndSize(components);
    const offset = roundUp(end, align);
    end = offset + size;
    structAlign = Math.max(structAlign, align);
    return { name: field, type, scalar, components, offset };
  });
  const byteSize = roundUp(roundUp(end, structAlign), 16);
  const wgsl = `struct ${name} {\n${layout.map((f) => `  ${f.name}: ${f.type},\n`).join('')}}\n`;
  const known = new Set(names);

  const write = (values: StructValues<F>, target?: ArrayBuffer, byteOffset = 0): ArrayBuffer => {
    if (values === null || typeof values !== 'object') {
      throw new TypeError(`uniform struct ${name} values are ${String(values)}; expected an object with fields ${names.join(', ')}`);
    }
    for (const key of Object.keys(values)) {
      if (!known.has(key)) throw new Error(`uniform struct ${name} has no field '${key}'; its fields are ${names.join(', ')}`);
    }
    const bytes = target ?? new ArrayBuffer(byteSize);
    if (!Number.isInteger(byteOffset) || byteOffset < 0 || byteOffset % 4 !== 0 || byteOffset + byteSize > bytes.byteLength) {
      throw new RangeError(`uniform struct ${name} write at byte offset ${byteOffset}; expected a multiple of 4 with ${byteSize} bytes free in a target of ${bytes.byteLength} bytes`);
    }
    const view = new DataView(bytes, byteOffset, byteSize);
    const record = values as Record<string, unknown>;
    for (const field of layout) {
      if (!(field.name in record) || record[field.name] === undefined) {
        throw new Error(`uniform struct ${name} field ${field.name} is missing; expected ${field.type}`);
      }
      const value = record[field.name];
      let components: readonly unknown[];
      if (field.components === 1) {
        components = [value];
      } else {
        if (!Array.isArray(value) || value.length !== field.components) {
          throw new RangeError(`uniform struct ${name} field ${field.name} is ${JSON.stringify(value)}; expected ${field.components} numbers (${field.type})`);
        }
        components = value;
      }
      components.forEach((component, c) => {
        const label = field.components === 1 ? field.name : `${field.name}[${c}]`;
        const v = checkComponent(name, label, field.scalar, component);
        const at = field.offset + 4 * c;
        if (field.scalar === 'u32') view.setUint32(at, v, true);
        else if (field.scalar === 'i32') view.setInt32(at, v, true);
        else view.setFloat32(at, v, true);
      });
    }
    return bytes;
  };

  return {
    name,
    fields,
    layout,
    byteSize,
    wgsl,
    write,
    writeTo(gpu, buffer, values, byteOffset = 0) {
      gpu.write(buffer, byteOffset, new Uint8Array(write(values)));
    },
    createBuffer(gpu, label, values) {
      return gpu.buffer({ label, size: byteSize, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, data: new Uint8Array(write(values)) });
    },
  };
}
