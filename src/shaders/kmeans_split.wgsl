// Empty-cluster handling as Faiss's split_clusters: for each planned split (g, ci, cj), in order, centroid ci of
// group g becomes a copy of centroid cj and both get a small symmetric perturbation: even dims ci *= 1+eps,
// cj *= 1-eps, odd dims the reverse (eps = 1/1024). The plan (which cj) is drawn on the host from the cluster
// sizes; one invocation per dim applies all splits in order, so chained splits behave as in Faiss.
struct Params { nsplit: u32, k: u32, dsub: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> plan: array<u32>;
@group(0) @binding(2) var<storage, read_write> cent: array<f32>;

const EPS: f32 = 1.0 / 1024.0;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= params.dsub) { return; }
  let up = select(1.0 - EPS, 1.0 + EPS, j % 2u == 0u);
  let down = select(1.0 + EPS, 1.0 - EPS, j % 2u == 0u);
  for (var s = 0u; s < params.nsplit; s++) {
    let base = plan[3u * s] * params.k;
    let ci = (base + plan[3u * s + 1u]) * params.dsub + j;
    let cj = (base + plan[3u * s + 2u]) * params.dsub + j;
    let v = cent[cj];
    cent[ci] = v * up;
    cent[cj] = v * down;
  }
}
