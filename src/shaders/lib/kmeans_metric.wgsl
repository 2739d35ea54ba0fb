// Module: the metric of the subgroup nearest-centroid kernels (kmeans_assign_sg, kmeans_assign_sgh) as an override
// constant: params.metric (lib/nearest.wgsl's contract), set per pipeline as well so that the metric's selects
// fold away. kmeans_ip() is true for inner product (metric 0), false for squared L2 (metric 1).
override METRIC: u32 = 0u;

fn kmeans_ip() -> bool { return METRIC == 0u; }
