/**
 * Bindings and uniform structs declared once by name: the WGSL a table and a struct generate, the struct's byte
 * layout checked against the real compiler (a kernel copies every field of an awkwardly aligned struct into a
 * storage buffer), bind groups from buffers by name, and a uniform bound with a dynamic offset.
 */
import { describe, expect, test } from 'vitest';
import { bindingTable, dynamicUniform, readOnlyStorage, storage, uniform } from '../../src/gpu/bindings.js';
import { uniformStruct, type StructValues } from '../../src/gpu/uniforms.js';
import { readUint32, readFloat32 } from '../../src/gpu/readback.js';
import { Recorder } from '../../src/gpu/recorder.js';
import { gpuTest } from '../helpers/gpu.js';
import { expectClose, seededRandom } from '../helpers/random.js';

/** Every field type, ordered so that most fields need padding before them or leave a gap after. */
const Awkward = uniformStruct('Awkward', {
  a: 'u32',
  b: 'vec3f',
  c: 'f32',
  d: 'vec2u',
  e: 'i32',
  f: 'vec4f',
  g: 'vec3<i32>',
  h: 'vec2f',
  i: 'f32',
  j: 'vec3u',
  k: 'vec2<i32>',
  l: 'vec4i',
  m: 'u32',
  n: 'vec4<u32>',
  o: 'vec3f',
});

/** WGSL's offsets for Awkward, worked out by hand from the alignment table (vec2: 8, vec3 and vec4: 16). */
const AWKWARD_OFFSETS = { a: 0, b: 16, c: 28, d: 32, e: 40, f: 48, g: 64, h: 80, i: 88, j: 96, k: 112, l: 128, m: 144, n: 160, o: 176 };

describe('uniform structs', () => {
  test('offsets, size and WGSL text follow the layout rules', () => {
    expect(Object.fromEntries(Awkward.layout.map((f) => [f.name, f.offset]))).toEqual(AWKWARD_OFFSETS);
    // o ends at 188; the struct's alignment is 16.
    expect(Awkward.byteSize).toBe(192);
    const small = uniformStruct('Small', { count: 'u32', scale: 'f32', shift: 'vec2f', last: 'i32' });
    expect(small.wgsl).toBe('struct Small {\n  count: u32,\n  scale: f32,\n  shift: vec2f,\n  last: i32,\n}\n');
    // last ends at 20, the struct aligns to 8 (24), a uniform buffer takes multiples of 16.
    expect(small.byteSize).toBe(32);
    expect(uniformStruct('One', { x: 'f32' }).byteSize).toBe(16);
  });

  test('the host writer puts each value at its offset, little-endian', () => {
    const S = uniformStruct('S', { n: 'u32', v: 'vec3f', w: 'f32', k: 'i32' });
    const bytes = S.write({ n: 4294967295, v: [1.5, -2, 3], w: 0.25, k: -7 });
    // k ends at 36; the struct aligns to 16.
    expect(bytes.byteLength).toBe(48);
    const view = new DataView(bytes);
    expect(view.getUint32(0, true)).toBe(4294967295);
    expect([view.getFloat32(16, true), view.getFloat32(20, true), view.getFloat32(24, true)]).toEqual([1.5, -2, 3]);
    expect(view.getFloat32(28, true)).toBe(0.25);
    expect(view.getInt32(32, true)).toBe(-7);
    expect([...new Uint32Array(bytes, 4, 3), ...new Uint32Array(bytes, 36, 3)]).toEqual([0, 0, 0, 0, 0, 0]);
    const slots = new ArrayBuffer(96);
    S.write({ n: 1, v: [0, 0, 0], w: 0, k: 2 }, slots, 48);
    expect([new Uint32Array(slots, 48, 1)[0], new Int32Array(slots, 80, 1)[0]]).toEqual([1, 2]);
    expect(() => S.write({ n: 1, v: [0, 0, 0], w: 0, k: 2 }, slots, 64)).toThrow(/byte offset 64; expected a multiple of 4 with 48 bytes free in a target of 96 bytes/);
  });

  test('a missing, unknown, non-finite or out-of-range value is an error naming the field', () => {
    const S = uniformStruct('S', { count: 'u32', offset: 'i32', gamma: 'f32', shift: 'vec2f' });
    const good: StructValues<typeof S.fields> = { count: 3, offset: -1, gamma: 0.5, shift: [1, 2] };
    expect(() => S.write(good)).not.toThrow();
    // @ts-expect-error a missing field is a type error
    expect(() => S.write({ count: 3, offset: -1, gamma: 0.5 })).toThrow(/struct S field shift is missing; expected vec2f/);
    // @ts-expect-error an extra field is a type error
    expect(() => S.write({ ...good, gama: 0.9 })).toThrow(/struct S has no field 'gama'; its fields are count, offset, gamma, shift/);
    expect(() => S.write({ ...good, count: -1 })).toThrow(/field count is -1; expected an integer in \[0, 4294967295\] \(u32\)/);
    expect(() => S.write({ ...good, count: 2 ** 32 })).toThrow(/field count is 4294967296; expected an integer/);
    expect(() => S.write({ ...good, count: 1.5 })).toThrow(/field count is 1.5/);
    expect(() => S.write({ ...good, count: NaN })).toThrow(/field count is NaN/);
    expect(() => S.write({ ...good, offset: 2 ** 31 })).toThrow(/field offset is 2147483648; expected an integer in \[-2147483648, 2147483647\] \(i32\)/);
    expect(() => S.write({ ...good, gamma: Infinity })).toThrow(/field gamma is Infinity; expected a finite number within the f32 range/);
    expect(() => S.write({ ...good, gamma: 1e39 })).toThrow(/field gamma is 1e\+39/);
    expect(() => S.write({ ...good, shift: [1, NaN] })).toThrow(/field shift\[1\] is NaN/);
    // @ts-expect-error a vector of the wrong length is a type error
    expect(() => S.write({ ...good, shift: [1, 2, 3] })).toThrow(/field shift is \[1,2,3\]; expected 2 numbers \(vec2f\)/);
  });

  test('a bad declaration names the struct and field', () => {
    // @ts-expect-error bool is not host-shareable
    expect(() => uniformStruct('Bad', { flag: 'bool' })).toThrow(/struct Bad field 'flag' has type 'bool'; expected u32, i32, f32 or a vec2\/vec3\/vec4/);
    expect(() => uniformStruct('Bad', { 'two words': 'u32' })).toThrow(/field 'two words' is not a WGSL identifier/);
    expect(() => uniformStruct('1st', { x: 'u32' })).toThrow(/struct name '1st' is not a WGSL identifier/);
    expect(() => uniformStruct('Empty', {})).toThrow(/struct Empty has no fields/);
  });
});

describe('binding tables', () => {
  const Params = uniformStruct('Params', { count: 'u32', scale: 'f32' });
  const table = bindingTable({
    params: uniform(Params),
    slot: dynamicUniform(Params),
    inputs: readOnlyStorage('array<vec4f>'),
    outputs: storage('array<f32>'),
    counter: storage('atomic<u32>'),
  });

  test('generates the declarations of group 0 in declaration order, each struct once', () => {
    expect(table.wgsl).toBe(
      'struct Params {\n  count: u32,\n  scale: f32,\n}\n' +
        '@group(0) @binding(0) var<uniform> params: Params;\n' +
        '@group(0) @binding(1) var<uniform> slot: Params;\n' +
        '@group(0) @binding(2) var<storage, read> inputs: array<vec4f>;\n' +
        '@group(0) @binding(3) var<storage, read_write> outputs: array<f32>;\n' +
        '@group(0) @binding(4) var<storage, read_write> counter: atomic<u32>;\n',
    );
    expect(table.kinds).toEqual(['uniform', 'uniform-dynamic', 'read-only-storage', 'storage', 'storage']);
    expect(table.binding('outputs')).toBe(3);
  });

  test('rejects names that are not WGSL identifiers and two structs of one name', () => {
    expect(() => bindingTable({ 'out-put': storage('array<f32>') })).toThrow(/binding name 'out-put' is not a WGSL identifier/);
    const Other = uniformStruct('Params', { count: 'i32' });
    expect(() => bindingTable({ a: uniform(Params), b: uniform(Other) })).toThrow(/two different structs named Params/);
  });

  gpuTest('a bind group is made from buffers by name; a missing or unknown name is an error naming it', async (gpu) => {
    const small = bindingTable({ params: uniform(Params), data: storage('array<f32>') });
    const layout = small.layout(gpu.device, 'BindingsTest');
    const params = Params.createBuffer(gpu, 'BindingsTest.params', { count: 1, scale: 2 });
    const data = gpu.buffer({ label: 'BindingsTest.data', size: 64 });
    try {
      expect(small.bindGroup(gpu.device, 'BindingsTest.group', layout, { params, data: { buffer: data, offset: 0, size: 32 } })).toBeDefined();
      // @ts-expect-error a missing name is a type error
      expect(() => small.bindGroup(gpu.device, 'BindingsTest.group', layout, { params })).toThrow(
        /bind group 'BindingsTest.group' has no buffer for binding 'data' \(binding 1, storage\); expected one for each of params, data/,
      );
      // @ts-expect-error an unknown name is a type error
      expect(() => small.bindGroup(gpu.device, 'BindingsTest.group', layout, { params, data, extra: data })).toThrow(
        /bind group 'BindingsTest.group' names a binding 'extra' the table does not have; its bindings are params, data/,
      );
      expect(() => small.bindGroup(gpu.device, 'BindingsTest.group', layout, { params: data, data })).toThrow(
        /binding 'params' \(uniform\) gets buffer 'BindingsTest.data' without UNIFORM usage/,
      );
    } finally {
      gpu.destroyBuffer(params);
      gpu.destroyBuffer(data);
    }
  });
});

/** The bits of one component as the kernel reads them: u32 as is, i32 two's complement, f32 its IEEE bits. */
function componentBits(scalar: 'u32' | 'i32' | 'f32', value: number): number {
  if (scalar === 'u32') return value;
  if (scalar === 'i32') return value >>> 0;
  return new Uint32Array(new Float32Array([value]).buffer)[0]!;
}

describe('layouts against the compiler', () => {
  gpuTest('a kernel reads back every component of the awkward struct where the host writer put it', async (gpu) => {
    const random = seededRandom(11);
    const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
    const values: Record<string, number | number[]> = {};
    for (const field of Awkward.layout) {
      const component = () =>
        field.scalar === 'u32' ? int(0, 0xffffffff) : field.scalar === 'i32' ? int(-0x80000000, 0x7fffffff) : Math.fround((random() - 0.5) * 1e6);
      values[field.name] = field.components === 1 ? component() : Array.from({ length: field.components }, component);
    }
    const table = bindingTable({ params: uniform(Awkward), out: storage('array<u32>') });
    // One store per component, in field order: out[k] = the component's bits.
    const stores: string[] = [];
    for (const field of Awkward.layout) {
      for (let c = 0; c < field.components; c++) {
        const read = field.components === 1 ? `params.${field.name}` : `params.${field.name}[${c}]`;
        stores.push(`  out[${stores.length}] = bitcast<u32>(${read});`);
      }
    }
    const pipeline = await gpu.pipelines.pipeline({
      label: 'BindingsTest.copyStruct',
      key: 'BindingsTest.copyStruct',
      entryPoint: 'main',
      bindings: table,
      build: () => `${table.wgsl}\n@compute @workgroup_size(1)\nfn main() {\n${stores.join('\n')}\n}\n`,
    });
    const params = Awkward.createBuffer(gpu, 'BindingsTest.awkward', values as unknown as StructValues<typeof Awkward.fields>);
    const out = gpu.buffer({ label: 'BindingsTest.out', size: stores.length * 4 });
    try {
      const group = table.bindGroup(gpu.device, 'BindingsTest.copyGroup', pipeline.getBindGroupLayout(0), { params, out });
      const recorder = new Recorder(gpu, 'BindingsTest.encoder');
      recorder.dispatch(pipeline, group, [1]);
      recorder.submit();
      const got = await readUint32(gpu, out, stores.length);
      const expected = Awkward.layout.flatMap((field) => {
        const value = values[field.name]!;
        return (Array.isArray(value) ? value : [value]).map((v) => componentBits(field.scalar, v));
      });
      expect([...got]).toEqual(expected);
    } finally {
      gpu.destroyBuffer(params);
      gpu.destroyBuffer(out);
    }
  });

  gpuTest('a uniform bound with a dynamic offset: each dispatch reads its own slot', async (gpu) => {
    const Slot = uniformStruct('Slot', { index: 'u32', scale: 'vec3f', bias: 'f32' });
    const table = bindingTable({ slot: dynamicUniform(Slot), input: readOnlyStorage('array<f32>'), out: storage('array<f32>') });
    const pipeline = await gpu.pipelines.pipeline({
      label: 'BindingsTest.slots',
      key: 'BindingsTest.slots',
      entryPoint: 'main',
      bindings: table,
      build: () => `${table.wgsl}
@compute @workgroup_size(1)
fn main() {
  out[slot.index] = input[slot.index] * (slot.scale.x + slot.scale.y * slot.scale.z) + slot.bias;
}
`,
    });
    const slotCount = 5;
    const stride = Math.ceil(Slot.byteSize / gpu.limits.minUniformBufferOffsetAlignment) * gpu.limits.minUniformBufferOffsetAlignment;
    const random = seededRandom(7);
    const slots = Array.from({ length: slotCount }, (_, i) => ({
      // Dispatch i writes element (3 i + 1) mod 5, so a wrong slot lands in the wrong element.
      index: (3 * i + 1) % slotCount,
      scale: [random(), random() * 2, random() - 0.5] as const,
      bias: random() * 4 - 2,
    }));
    const bytes = new ArrayBuffer(stride * slotCount);
    slots.forEach((slot, i) => Slot.write(slot, bytes, i * stride));
    const input = Float32Array.from({ length: slotCount }, () => random() * 10 - 5);
    const slotBuffer = gpu.buffer({ label: 'BindingsTest.slots', size: bytes.byteLength, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, data: new Uint8Array(bytes) });
    const inputBuffer = gpu.buffer({ label: 'BindingsTest.input', size: input.byteLength, data: input });
    const out = gpu.buffer({ label: 'BindingsTest.out', size: input.byteLength });
    try {
      expect(() => table.bindGroup(gpu.device, 'BindingsTest.slotGroup', pipeline.getBindGroupLayout(0), { slot: slotBuffer, input: inputBuffer, out })).toThrow(
        /binding 'slot' \(uniform-dynamic\) gets a whole buffer; expected a \{ buffer, size \} range of one slot/,
      );
      const group = table.bindGroup(gpu.device, 'BindingsTest.slotGroup', pipeline.getBindGroupLayout(0), {
        slot: { buffer: slotBuffer, size: Slot.byteSize },
        input: inputBuffer,
        out,
      });
      const recorder = new Recorder(gpu, 'BindingsTest.encoder');
      for (let i = 0; i < slotCount; i++) recorder.dispatch(pipeline, group, [1], [i * stride]);
      recorder.submit();
      const got = await readFloat32(gpu, out, slotCount);
      // float64 reference on the f32-rounded inputs; the kernel's three f32 operations round within 1e-6 relative.
      const expected = new Float64Array(slotCount);
      for (const slot of slots) {
        const [x, y, z] = slot.scale.map(Math.fround) as [number, number, number];
        expected[slot.index] = input[slot.index]! * (x + y * z) + Math.fround(slot.bias);
      }
      expectClose(got, expected, { atol: 1e-6, rtol: 1e-6 }, 'out');
    } finally {
      for (const b of [slotBuffer, inputBuffer, out]) gpu.destroyBuffer(b);
    }
  });
});

describe('binding tables stay within every adapter', () => {
  test("more storage buffers than WebGPU's guaranteed 8 is refused, naming them", () => {
    const eight = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`b${i}`, i % 2 ? storage('array<f32>') : readOnlyStorage('array<f32>')]));
    expect(() => bindingTable({ ...eight, u: uniform('vec4f') })).not.toThrow();
    expect(() => bindingTable({ ...eight, extra: readOnlyStorage('array<u32>') })).toThrow(
      /binding table has 9 storage buffers \(b0, b1, b2, b3, b4, b5, b6, b7, extra\); expected at most 8/,
    );
  });
});
