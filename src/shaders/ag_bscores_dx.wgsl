// Autograd scoresBatched backward for the candidates: dx[b, c, k] = g[b, c] * q[b, k] (one invocation each).
struct Params { nb: u32, c: u32, d: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> q: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 256u + lid;
  if (i >= params.nb * params.c * params.d) { return; }
  let bc = i / params.d;
  let k = i - bc * params.d;
  let b = bc / params.c;
  out[i] = g[bc] * q[b * params.d + k];
}
