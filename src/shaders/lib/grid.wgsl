// Module: the 2-D workgroup spreading convention (Engine.grid). A count of N workgroups is dispatched as
// [N, 1, 1] or, when N is over maxComputeWorkgroupsPerDimension, as [ceil(N / y), y, 1]. A kernel takes the
// uniform builtins as one `Grid` argument (the invocation index stays its own argument, so the workgroup
// index stays uniform for barriers) and gets its linear workgroup index from grid_group. The spread grid can
// overshoot N, so every kernel guards its bound.
struct Grid {
  @builtin(workgroup_id) wid: vec3<u32>,
  @builtin(num_workgroups) nwg: vec3<u32>,
}

/** The linear index of this workgroup: wid.x + wid.y * nwg.x. */
fn grid_group(g: Grid) -> u32 { return g.wid.x + g.wid.y * g.nwg.x; }

/** The linear index of invocation `lid` of this workgroup, for workgroups of `size` invocations. */
fn grid_item(g: Grid, lid: u32, size: u32) -> u32 { return grid_group(g) * size + lid; }
