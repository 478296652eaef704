/**
 * Bind groups from a list of buffers: binding i is buffers[i] (whole buffer, or a { buffer, offset, size } range).
 * Owners keep the groups they make for the life of the buffers; nothing is created inside an iteration.
 * A kernel declared with a binding table (bindings.ts) binds its buffers by name instead.
 */
import type { BufferResource } from './bindings.js';

export type { BufferResource };

export function bindBuffers(
  device: GPUDevice,
  label: string,
  layout: GPUBindGroupLayout,
  buffers: readonly BufferResource[],
): GPUBindGroup {
  return device.createBindGroup({
    label,
    layout,
    entries: buffers.map((resource, binding) => ({
      binding,
      resource: 'buffer' in resource ? resource : { buffer: resource },
    })),
  });
}
