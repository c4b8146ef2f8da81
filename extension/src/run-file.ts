/**
 * Run files as the browser reads them: untrusted text under a size limit, parsed without
 * prototype-polluting keys (results/safe-json.ts, shared with the CLI) and validated against
 * the same JSON schema as the CLI (results/schema/run.v1.schema.json, compiled by ajv here
 * because results/validate.ts reads the schema from disk).
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { parseUntrustedJson } from '../../kernel-bridge/src/results/safe-json';
import { RUN_SCHEMA_ID, RUN_SCHEMA_VERSION, type RunFile } from '../../kernel-bridge/src/results/record';
import type { MachineFile } from '../../kernel-bridge/src/results/ceilings';
import machineSchema from '../../results/schema/machine.v1.schema.json';
import runSchema from '../../results/schema/run.v1.schema.json';

/**
 * Largest run file the dashboard opens. Lower than the CLI's 256 MiB: the whole file is held
 * by the page as text and as objects. A 64 MiB run holds on the order of 50 000 records with
 * their raw samples.
 */
export const MAX_DASHBOARD_BYTES = 64 * 2 ** 20;
const MAX_ERRORS_SHOWN = 5;

export class RunFileError extends Error {
  constructor(
    message: string,
    /** JSON path of the offending field, `/` for the whole file, `maxBytes` for the size. */
    readonly field: string,
  ) {
    super(message);
    this.name = 'RunFileError';
  }
}

export function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

export function fmtSize(bytes: number): string {
  return bytes >= 2 ** 20 ? `${(bytes / 2 ** 20).toFixed(1)} MiB` : `${bytes} bytes`;
}

/** Throws when `bytes` is over the limit; `source` names the file. */
export function checkSize(bytes: number, source: string, maxBytes = MAX_DASHBOARD_BYTES): void {
  if (bytes > maxBytes) {
    throw new RunFileError(`${source}: the file is ${fmtSize(bytes)}, over the dashboard's limit of ${fmtSize(maxBytes)}`, 'maxBytes');
  }
}

let ajv: Ajv | undefined;
const compiled = new Map<object, ValidateFunction>();

function validator(schema: object): ValidateFunction {
  ajv ??= new Ajv({ allErrors: true, allowUnionTypes: true, strict: true });
  let v = compiled.get(schema);
  if (!v) compiled.set(schema, (v = ajv.compile(schema)));
  return v;
}

function describe(e: ErrorObject): string {
  const at = e.instancePath || '/';
  if (e.keyword === 'additionalProperties') return `${at} has an unknown field "${String((e.params as { additionalProperty: string }).additionalProperty)}"`;
  if (e.keyword === 'enum') return `${at} ${e.message}: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
  return `${at} ${e.message ?? 'is invalid'}`;
}

/** A validated RunFile from an already-parsed value, or a RunFileError naming the field. */
export function validateRun(value: unknown, source: string): RunFile {
  const head = value as { schema?: unknown; schemaVersion?: unknown } | null;
  if (head && typeof head === 'object' && head.schema === RUN_SCHEMA_ID && head.schemaVersion !== RUN_SCHEMA_VERSION) {
    throw new RunFileError(`${source}: /schemaVersion is ${JSON.stringify(head.schemaVersion)}; this dashboard reads version ${RUN_SCHEMA_VERSION}`, '/schemaVersion');
  }
  const validate = validator(runSchema as object);
  if (validate(value)) return value as unknown as RunFile;
  const errors = (validate.errors ?? []).filter((e) => e.keyword !== 'anyOf' && e.keyword !== 'oneOf');
  const shown = errors.slice(0, MAX_ERRORS_SHOWN);
  const more = errors.length > shown.length ? ` (and ${errors.length - shown.length} more)` : '';
  throw new RunFileError(`${source}: not an abw run file (schema ${RUN_SCHEMA_ID} v${RUN_SCHEMA_VERSION}): ${shown.map(describe).join('; ')}${more}`, shown[0]?.instancePath || '/');
}

/** Text of a run file → RunFile: size limit, safe JSON, schema. */
export function parseRunText(text: string, source: string, maxBytes = MAX_DASHBOARD_BYTES): RunFile {
  checkSize(utf8Bytes(text), source, maxBytes);
  let value: unknown;
  try {
    value = parseUntrustedJson(text, source);
  } catch (e) {
    const field = (e as { field?: string }).field ?? '/';
    throw new RunFileError((e as Error).message, field);
  }
  return validateRun(value, source);
}

/** Text of a machine file (ceilings) → MachineFile, validated against machine.v1.schema.json. */
export function parseMachineText(text: string, source: string): MachineFile {
  checkSize(utf8Bytes(text), source);
  const value = parseUntrustedJson(text, source);
  const validate = validator(machineSchema as object);
  if (validate(value)) return value as unknown as MachineFile;
  throw new RunFileError(`${source}: ${(validate.errors ?? []).slice(0, MAX_ERRORS_SHOWN).map(describe).join('; ')}`, validate.errors?.[0]?.instancePath || '/');
}
