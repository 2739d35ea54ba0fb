// scores_sg (same contract, tiles and bits) with Q and X read from rgba32float textures (lib/scores_tex_io.wgsl):
// kernels/scores.ts copies the rows into textures (Engine.texels) when they fit the device's texture size.
enable subgroups;
#include "lib/scores_tex_io.wgsl"
#include "lib/sg_tile.wgsl"
#include "lib/scores_sg_main.wgsl"
