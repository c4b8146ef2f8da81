/** The op catalogue: specs, parameter resolution, call planning and seeded input generation. */
export type {
  Init,
  InputDecl,
  OpSpec,
  OutputDecl,
  ParamDecl,
  ParamType,
  ParamValue,
  Params,
  Plan,
  TensorKind,
  ToleranceFamily,
} from './types';
export { OPS, getOp, hasOp, listOps, opNames } from './catalogue';
export { resolveParams } from './resolve-params';
export { planCall, checkDType, expandInputs, type PlannedCall } from './plan-call';
export { generateInputs, generatedDType, type GeneratedInput } from './generate';
export { Rng, deriveSeed } from './rng';
export { broadcastShapes, convOutSize, normDim, poolOutSize } from './shape-rules';
