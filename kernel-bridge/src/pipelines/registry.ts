/** The pipelines by name. */
import { AbwError } from '../errors';
import { bitnet } from './bitnet';
import { encodec } from './encodec';
import { fftconv } from './fftconv';
import { mdx23c } from './mdx23c';
import type { PipelineSpec } from './types';

export const PIPELINES: Readonly<Record<string, PipelineSpec<any>>> = { mdx23c, fftconv, encodec, bitnet };

export function pipelineNames(): string[] {
  return Object.keys(PIPELINES);
}

export function getPipeline(name: string): PipelineSpec<any> {
  const p = Object.prototype.hasOwnProperty.call(PIPELINES, name) ? PIPELINES[name] : undefined;
  if (!p) throw new AbwError('ABW_EINVAL', `pipeline: unknown pipeline "${name}"; known: ${pipelineNames().join(', ')}`, 'pipeline');
  return p;
}
