/**
 * Validation of run files against results/schema/run.v1.schema.json (ajv, compiled once).
 * Errors name the file and the JSON paths of the first few problems.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { AbwError } from '../errors';
import { RUN_SCHEMA_ID, RUN_SCHEMA_VERSION, type RunFile } from './record';

export const RUN_SCHEMA_FILE = `run.v${RUN_SCHEMA_VERSION}.schema.json`;
const MAX_ERRORS_SHOWN = 5;

/**
 * results/schema/ of the repository, found from this file whether it runs as
 * kernel-bridge/src/results/*.ts (vitest) or kernel-bridge/dist/results/*.js (node).
 */
export function schemaDir(): string {
  const candidates = [
    path.resolve(__dirname, '..', '..', '..', 'results', 'schema'),
    path.resolve(__dirname, '..', '..', '..', '..', 'results', 'schema'),
  ];
  for (const dir of candidates) if (fs.existsSync(path.join(dir, RUN_SCHEMA_FILE))) return dir;
  throw new AbwError('ABW_EIO', `cannot find ${RUN_SCHEMA_FILE}; looked in ${candidates.join(', ')}`);
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  const file = path.join(schemaDir(), RUN_SCHEMA_FILE);
  const schema = JSON.parse(fs.readFileSync(file, 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true });
  compiled = ajv.compile(schema);
  return compiled;
}

function describe(e: ErrorObject): string {
  const at = e.instancePath || '/';
  if (e.keyword === 'additionalProperties') {
    return `${at} has an unknown field "${String((e.params as { additionalProperty: string }).additionalProperty)}"`;
  }
  if (e.keyword === 'enum') return `${at} ${e.message}: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  if (e.keyword === 'const') return `${at} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
  return `${at} ${e.message ?? 'is invalid'}`;
}

/** Most specific first: anyOf/oneOf summaries after the concrete errors beneath them. */
function firstErrors(errors: readonly ErrorObject[]): ErrorObject[] {
  const concrete = errors.filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  return (concrete.length > 0 ? concrete : [...errors]).slice(0, MAX_ERRORS_SHOWN);
}

/**
 * The object as a RunFile, or an AbwError ABW_ESCHEMA such as
 * `runs/x.json: /records/3/timing/stats/median must be number`.
 */
export function validateRunFile(obj: unknown, source: string): RunFile {
  const head = obj as { schema?: unknown; schemaVersion?: unknown } | null;
  if (head && typeof head === 'object' && head.schema === RUN_SCHEMA_ID && head.schemaVersion !== undefined && head.schemaVersion !== RUN_SCHEMA_VERSION) {
    throw new AbwError(
      'ABW_ESCHEMA',
      `${source}: /schemaVersion is ${JSON.stringify(head.schemaVersion)}; this abw reads version ${RUN_SCHEMA_VERSION}`,
      '/schemaVersion',
    );
  }
  const validate = validator();
  if (validate(obj)) return obj as RunFile;
  const errors = validate.errors ?? [];
  const shown = firstErrors(errors);
  const more = errors.length > shown.length ? ` (and ${errors.length - shown.length} more)` : '';
  throw new AbwError('ABW_ESCHEMA', `${source}: ${shown.map(describe).join('; ')}${more}`, shown[0]?.instancePath || '/');
}
