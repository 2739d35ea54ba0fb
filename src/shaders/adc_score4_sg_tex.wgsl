enable subgroups;
// adc_score4_sg (same contract, outputs and bits; see adc_score4_sg.wgsl) reading the codes from an rgba32uint
// texture in pq_texels's layout (lib/adc_score4_texels.wgsl) instead of the codes buffer. Needs the WGSL extension
// readonly_and_readwrite_storage_textures (Engine.hasReadOnlyStorageTextures).
#include "lib/adc_score4_texels.wgsl"
#include "lib/adc_score4_sg_main.wgsl"
