/** Parameter resolution for pipelines: the op catalogue's rules (types, ranges, enums, defaults). */
import { AbwError } from '../errors';
import { resolveParams } from '../ops/resolve-params';
import type { OpSpec, ParamDecl, Params } from '../ops/types';

export function resolvePipelineParams(name: string, decls: Readonly<Record<string, ParamDecl>>, given: Params): Params {
  // resolveParams reads only a spec's name and params: a pipeline's declarations fit as they are.
  return resolveParams({ name, params: decls } as unknown as OpSpec, given);
}

export function pipelineParamError(pipeline: string, param: string, message: string): AbwError {
  return new AbwError('ABW_EINVAL', `[${pipeline}] params.${param}: ${message}`, `params.${param}`);
}

export const num = (p: Params, k: string): number => p[k] as number;
