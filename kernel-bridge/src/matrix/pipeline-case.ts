/**
 * Pipeline cases of a matrix (`"kind": "pipeline"`): parsing, the dtypes a pipeline runs in,
 * and what the expansion needs (resolved params, the input shape). See docs/pipelines.md.
 */
import { AbwError } from '../errors';
import type { Params } from '../ops/types';
import { getPipeline, pipelineNames } from '../pipelines/registry';
import type { CaseDType } from '../tensor';
import type { MatrixCaseSpec, MeasureSettings } from './spec';

/** A pipeline's float path runs in these; its integer steps (bitnet) are int8 whatever the case dtype. */
export const PIPELINE_DTYPES: readonly CaseDType[] = ['f32', 'tf32', 'f16', 'bf16'];

interface Parsers {
  dtypes(v: unknown, path: string): CaseDType[];
  measure(v: unknown, path: string): MeasureSettings;
  params(v: unknown, path: string): Params;
  timeoutMs(): number | undefined;
}

function fail(path: string, message: string): never {
  throw new AbwError('ABW_ESCHEMA', `${path} ${message}`, path);
}

export function parsePipelineCase(c: Record<string, unknown>, path: string, label: string, parse: Parsers): MatrixCaseSpec {
  const name = c.pipeline;
  if (typeof name !== 'string' || !pipelineNames().includes(name)) {
    fail(`${path}.pipeline`, `must name a pipeline (${pipelineNames().join(', ')}), got ${JSON.stringify(name) ?? 'nothing'}`);
  }
  const params = parse.params(c.params, `${path}.params`);
  try {
    getPipeline(name).resolve(params);
  } catch (e) {
    const err = e as AbwError;
    const where = err.field?.startsWith('params.') ? `${path}.${err.field}` : `${path}.params`;
    throw new AbwError(err.code === 'ABW_EINVAL' ? 'ABW_EINVAL' : 'ABW_ESCHEMA', `${where} (case "${label}"): ${err.message}`, where);
  }
  let dtypes: CaseDType[] | undefined;
  if (c.dtypes !== undefined) {
    dtypes = parse.dtypes(c.dtypes, `${path}.dtypes`);
    dtypes.forEach((d, j) => {
      if (!PIPELINE_DTYPES.includes(d)) fail(`${path}.dtypes[${j}]`, `${d} is not a pipeline dtype; pipelines run in ${PIPELINE_DTYPES.join(', ')}`);
    });
  }
  const measure = c.measure === undefined ? undefined : parse.measure(c.measure, `${path}.measure`);
  const timeoutMs = parse.timeoutMs();
  return {
    label,
    kind: 'pipeline',
    op: name,
    shapes: [],
    params,
    ...(dtypes ? { dtypes } : {}),
    ...(measure ? { measure } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

/** Resolved params (defaults filled) and the input shape of a pipeline case. */
export function resolvePipelineCase(name: string, params: Params): { params: Params; inputShape: number[]; flops: number } {
  const spec = getPipeline(name);
  const r = spec.resolve(params);
  const inputShape = [...spec.inputShape(r.config)];
  const flops = spec.flops(r.config, { data: new Float64Array(0), shape: inputShape, audioSeconds: 1 });
  return { params: r.params, inputShape, flops };
}
