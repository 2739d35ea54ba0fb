// Public API of the autograd layer: tensors on the GPU, a tape with scopes, differentiable ops for a
// Distill-VQ student, the distillation losses and GPU optimizers.
export { Tensor, Tape, type DType, type Shape, type TensorOptions, type BackwardFn } from './tensor.js';
export { add, sub, scale, mean, reshape, gatherRows, gatherCols } from './ops.js';
export { scoresBatched, matmulT, subspaceSqDist, assignTimesCodebook, softmax, logSoftmax, straightThroughAssign, assignFromDistances } from './ops-vq.js';
export { rowSqNorms, l2ScoresBatched, l2ScoresAll } from './ops-l2.js';
export { softAssignReconstruct, type SoftAssignOptions } from './ops-fused.js';
export { listNetLoss, klLoss, mseLoss, marginMseLoss, rankNetLoss, type LossOptions } from './losses.js';
export { SGD, Adam, AdamW, linearWarmupDecay, constantSchedule, type Schedule, type ParamGroup, type SgdOptions, type AdamOptions } from './optim.js';
