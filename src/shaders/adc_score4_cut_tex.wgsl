enable subgroups;
// subgroupAny's result is the same in every lane of the 8-invocation workgroup (one subgroup): the branch on it
// is subgroup-uniform, which the analysis cannot see
diagnostic(off, subgroup_uniformity);
// adc_score4_cut (same contract, outputs and bits; see adc_score4_cut.wgsl) reading the codes from an rgba32uint
// texture in pq_texels's layout (lib/adc_score4_texels.wgsl) instead of the codes buffer. Needs the WGSL extension
// readonly_and_readwrite_storage_textures (Engine.hasReadOnlyStorageTextures).
#include "lib/adc_score4_texels.wgsl"
#include "lib/adc_score4_cut_main.wgsl"
