/**
 * Measured machine ceilings (DESIGN.md "% of the machine's ceilings"), stored per machine in
 * `<resultsDir>/machines/<machine>.json` (schema results/schema/machine.v1.schema.json):
 * per backend, the peak matmul rate per dtype and the copy bandwidth, as `abw calibrate`
 * measured them. They live beside runs and baselines rather than inside run files so that one
 * calibration serves every run of the machine, old ones included: run files are never rewritten;
 * `applyCeilings` fills `derived.pctPeakFlops` / `pctPeakBandwidth` in memory when a report or
 * comparison is made.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { AbwError } from '../errors';
import type { CaseDType } from '../tensor';
import { checkPathName } from './paths';
import { readLimitedText } from './read-run';
import type { MachineInfo, ResultRecord, RunFile } from './record';
import { parseUntrustedJson } from './safe-json';
import { RUN_SCHEMA_FILE, schemaDir } from './validate';
import { writeFileAtomicSync } from './write-run';

export const MACHINE_SCHEMA_ID = 'abw.machine';
export const MACHINE_SCHEMA_VERSION = 1;
export const MACHINE_SCHEMA_FILE = `machine.v${MACHINE_SCHEMA_VERSION}.schema.json`;
const MAX_MACHINE_FILE_BYTES = 4 * 2 ** 20;

interface Measured {
  readonly medianNs: number;
  readonly ciLowNs: number;
  readonly ciHighNs: number;
  readonly samples: number;
  readonly converged: boolean;
}

/** Peak compute: the rate of a large matmul in one dtype. */
export interface RateCeiling extends Measured {
  readonly gflops: number;
  readonly op: string;
  readonly shapes: number[][];
  readonly flops: number;
}

/** Memory bandwidth: bytes moved (read + written) per second by a large copy. */
export interface BandwidthCeiling extends Measured {
  readonly gbps: number;
  readonly op: string;
  readonly shapes: number[][];
  readonly bytes: number;
}

export interface BackendCeilings {
  readonly measuredAt: string;
  readonly device?: string;
  readonly threads?: number;
  readonly matmul: Partial<Record<CaseDType, RateCeiling>>;
  readonly copy?: BandwidthCeiling;
  /** What could not be measured, with the reason (dtype or `copy` → reason). */
  readonly skipped?: Readonly<Record<string, string>>;
}

export interface MachineFile {
  readonly schema: typeof MACHINE_SCHEMA_ID;
  readonly schemaVersion: typeof MACHINE_SCHEMA_VERSION;
  readonly machine: MachineInfo;
  readonly ceilings: Readonly<Record<string, BackendCeilings>>;
}

export function machineFilePath(resultsDir: string, machine: string): string {
  return path.join(resultsDir, 'machines', `${checkPathName('machine', machine)}.json`);
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled) return compiled;
  const dir = schemaDir();
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strict: true });
  ajv.addSchema(JSON.parse(fs.readFileSync(path.join(dir, RUN_SCHEMA_FILE), 'utf8')) as object);
  compiled = ajv.compile(JSON.parse(fs.readFileSync(path.join(dir, MACHINE_SCHEMA_FILE), 'utf8')) as object);
  return compiled;
}

export function validateMachineFile(obj: unknown, source: string): MachineFile {
  const validate = validator();
  if (validate(obj)) return obj as MachineFile;
  const e = validate.errors?.[0];
  const at = e?.instancePath || '/';
  throw new AbwError('ABW_ESCHEMA', `${source}: ${at} ${e?.message ?? 'is invalid'}${(validate.errors?.length ?? 0) > 1 ? ` (and ${(validate.errors?.length ?? 1) - 1} more)` : ''}`, at);
}

/** The machine file of `machine`, or undefined when it was never calibrated. */
export function readCeilings(resultsDir: string, machine: string): MachineFile | undefined {
  const file = machineFilePath(resultsDir, machine);
  if (!fs.existsSync(file)) return undefined;
  return validateMachineFile(parseUntrustedJson(readLimitedText(file, MAX_MACHINE_FILE_BYTES), file), file);
}

export function writeCeilings(resultsDir: string, m: MachineFile): string {
  const file = machineFilePath(resultsDir, m.machine.key);
  validateMachineFile(m, file);
  writeFileAtomicSync(file, `${JSON.stringify(m, null, 2)}\n`);
  return file;
}

/** `existing` with `backend`'s ceilings replaced (other backends kept). Pure. */
export function mergeCeilings(existing: MachineFile | undefined, machine: MachineInfo, backend: string, c: BackendCeilings): MachineFile {
  return {
    schema: MACHINE_SCHEMA_ID,
    schemaVersion: MACHINE_SCHEMA_VERSION,
    machine,
    ceilings: { ...(existing?.ceilings ?? {}), [backend]: c },
  };
}

/** The matmul peak that bounds a case in `dtype` (tf32 falls back to f32 where only f32 was measured). */
export function peakRate(c: BackendCeilings | undefined, dtype: string): RateCeiling | undefined {
  if (!c) return undefined;
  const m = c.matmul as Partial<Record<string, RateCeiling>>;
  return m[dtype] ?? (dtype === 'tf32' ? m.f32 : undefined);
}

/** The record with `% of ceiling` filled from the ceilings of its backend (existing values kept). */
export function applyCeilingsToRecord(r: ResultRecord, ceilings: Readonly<Record<string, BackendCeilings>>): ResultRecord {
  const d = r.derived;
  if (!d || r.status !== 'ok') return r;
  const c = Object.prototype.hasOwnProperty.call(ceilings, r.backend) ? ceilings[r.backend] : undefined;
  if (!c) return r;
  const peak = peakRate(c, r.dtype);
  const pctPeakFlops = d.pctPeakFlops ?? (peak && d.flops > 0 && d.gflops !== undefined ? d.gflops / peak.gflops : undefined);
  const pctPeakBandwidth = d.pctPeakBandwidth ?? (c.copy && d.gbps !== undefined ? d.gbps / c.copy.gbps : undefined);
  if (pctPeakFlops === d.pctPeakFlops && pctPeakBandwidth === d.pctPeakBandwidth) return r;
  return {
    ...r,
    derived: {
      ...d,
      ...(pctPeakFlops !== undefined ? { pctPeakFlops } : {}),
      ...(pctPeakBandwidth !== undefined ? { pctPeakBandwidth } : {}),
    },
  };
}

/** A copy of `run` with `% of ceiling` filled in (in memory; the file is not touched). Pure. */
export function applyCeilings(run: RunFile, m: MachineFile | undefined): RunFile {
  if (!m || m.machine.key !== run.run.machine.key) return run;
  return { ...run, records: run.records.map((r) => applyCeilingsToRecord(r, m.ceilings)) };
}
