/**
 * WGSL pieces shared by every kernel module (included, never compiled alone):
 * the linear invocation index over a 2-D grid of workgroups (see gridFor in src/gpu/recorder.ts).
 */

/** `linear_index(gid, nwg, wg)`: gid = global_invocation_id, nwg = num_workgroups, wg = workgroup size (x). */
export const linearIndexWgsl = /* wgsl */ `
fn linear_index(gid: vec3u, nwg: vec3u, wg: u32) -> u32 {
  return gid.x + gid.y * nwg.x * wg;
}
`;
