/**
 * Bind groups from a list of buffers: binding i is buffers[i] (whole buffer, or a { buffer, offset, size } range).
 * Owners keep the groups they make for the life of the buffers; nothing is created inside an iteration.
 */
export type BufferResource = GPUBuffer | GPUBufferBinding;

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
