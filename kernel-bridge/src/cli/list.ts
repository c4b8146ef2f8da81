/**
 * `abw list ops|backends|matrices [--json]`: what this build knows. Text for people, `--json`
 * for tools (stable field names, documented in docs/cli.md).
 */
import { listBackends } from '../backend/registry';
import { listOps } from '../ops/catalogue';
import { resolveParams } from '../ops/resolve-params';
import type { OpSpec, ParamDecl, Params, ParamValue } from '../ops/types';
import { listMatrixNames, loadMatrix, matricesDir } from '../matrix/load-matrix';
import { renderTable } from './summary-table';
import { parseFlags, UsageError, type Flags } from './args';
import type { Io } from './io';
import { applyPythonFlag, PYTHON_FLAG } from './python-flag';

export const LIST_FLAGS: Flags = {
  json: { type: 'boolean', doc: 'print JSON instead of a table' },
  python: PYTHON_FLAG,
  help: { type: 'boolean', short: 'h', doc: 'show this help' },
};

export const LIST_HELP = `usage: abw list ops|backends|matrices [--json] [--python PATH]

  ops        every op: inputs in order (? = optional, … = one or more), params with types and
             defaults, outputs, dtypes
  backends   every backend, whether it can run here, and why not
  matrices   the shared matrices in results/matrices with their case counts`;

/** A placeholder for a required param, so that param-dependent inputs (lstm) can be listed. */
function placeholder(d: ParamDecl): ParamValue {
  switch (d.type) {
    case 'int':
    case 'int|ints':
    case 'int|ints|string':
      return Math.max(1, d.min ?? 1);
    case 'float':
      return d.min ?? 1;
    case 'bool':
      return false;
    case 'string':
      return d.enum?.[0] ?? '';
    case 'ints':
      return [Math.max(1, d.min ?? 1)];
  }
}

export interface OpListing {
  readonly name: string;
  readonly family: string;
  readonly summary: string;
  readonly torch: string;
  /** Inputs in call order for default params (lstm: for one layer). */
  readonly inputs: { name: string; kind: string; optional: boolean; variadic: boolean; doc?: string }[];
  readonly params: Record<string, { type: string; default?: ParamValue; required: boolean; nullable: boolean; min?: number; max?: number; enum?: readonly string[]; doc: string }>;
  readonly outputs: { name: string; kind: string }[];
  readonly dtypes: readonly string[];
  readonly tolerance: string;
}

export function describeOp(spec: OpSpec): OpListing {
  const user: Params = {};
  for (const [k, d] of Object.entries(spec.params)) if (d.default === undefined) user[k] = placeholder(d);
  let decls = spec.inputs({});
  try {
    decls = spec.inputs(resolveParams(spec, user));
  } catch {
    // keep the param-free declaration
  }
  const params: OpListing['params'] = {};
  for (const [k, d] of Object.entries(spec.params)) {
    params[k] = {
      type: d.type,
      ...(d.default !== undefined ? { default: d.default } : {}),
      required: d.default === undefined,
      nullable: d.nullable === true,
      ...(d.min !== undefined ? { min: d.min } : {}),
      ...(d.max !== undefined ? { max: d.max } : {}),
      ...(d.enum ? { enum: d.enum } : {}),
      doc: d.doc,
    };
  }
  return {
    name: spec.name,
    family: spec.family,
    summary: spec.summary,
    torch: spec.torch,
    inputs: decls.map((d) => ({
      name: d.name,
      kind: d.kind,
      optional: d.optional === true,
      variadic: d.variadic === true,
      ...(d.doc ? { doc: d.doc } : {}),
    })),
    params,
    outputs: spec.outputs.map((o) => ({ name: o.name, kind: o.kind })),
    dtypes: spec.dtypes,
    tolerance: spec.tolerance,
  };
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}…`;
}

function allOps(): OpSpec[] {
  return [...(listOps() as readonly OpSpec[])];
}

function showValue(v: ParamValue | undefined): string {
  if (v === undefined) return 'required';
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v);
}

function opsText(ops: OpListing[]): string {
  return ops
    .map((o) => {
      const ins = o.inputs.map((i) => `${i.name}${i.variadic ? '…' : i.optional ? '?' : ''}${i.kind !== 'float' ? `:${i.kind}` : ''}`).join(', ');
      const outs = o.outputs.map((x) => `${x.name}${x.kind !== 'float' ? `:${x.kind}` : ''}`).join(', ');
      const ps = Object.entries(o.params).map(([k, p]) => `    ${k}: ${p.type} = ${showValue(p.default)}  ${p.doc}`);
      return [`${o.name}  (${o.family}; ${o.dtypes.join(', ')})  ${o.summary}`, `  (${ins}) → (${outs})`, ...(ps.length ? ps : ['    (no params)'])].join('\n');
    })
    .join('\n');
}

export async function listCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags('list', argv, LIST_FLAGS, { maxPositionals: 1 });
  if (values.help) {
    io.out(`${LIST_HELP}\n`);
    return 0;
  }
  applyPythonFlag(values.python);
  const what = positionals[0];
  const json = values.json === true;
  switch (what) {
    case 'ops': {
      const ops = allOps().map(describeOp);
      io.out(json ? `${JSON.stringify({ ops }, null, 2)}\n` : `${opsText(ops)}\n`);
      return 0;
    }
    case 'backends': {
      const backends = listBackends();
      if (json) io.out(`${JSON.stringify({ backends }, null, 2)}\n`);
      else {
        const rows = backends.map((b) => [b.id, b.available ? 'yes' : 'no', b.available ? b.summary : (b.reason ?? '').split('\n')[0] ?? '']);
        io.out(`${renderTable(['backend', 'available', 'summary / reason'], rows)}\n`);
      }
      return 0;
    }
    case 'matrices': {
      const matrices = listMatrixNames().map((name) => {
        try {
          const m = loadMatrix(name, { checkPlans: false });
          return { name, description: m.description, cases: m.cases.length, ops: new Set(m.cases.map((c) => c.op)).size, dtypes: m.defaults.dtypes };
        } catch (e) {
          return { name, error: (e as Error).message };
        }
      });
      if (json) io.out(`${JSON.stringify({ dir: matricesDir(), matrices }, null, 2)}\n`);
      else {
        const rows = matrices.map((m) =>
          'error' in m ? [m.name, '', '', `invalid: ${m.error ?? ''}`] : [m.name, String(m.cases), String(m.ops), clip(m.description.split('\n')[0] ?? '', 90)],
        );
        io.out(`${renderTable(['matrix', 'cases', 'ops', 'description'], rows, [false, true, true, false])}\n(in ${matricesDir()})\n`);
      }
      return 0;
    }
    case undefined:
      throw new UsageError(`abw list: say what to list: ops, backends or matrices\n\n${LIST_HELP}`);
    default:
      throw new UsageError(`abw list: unknown list "${what}"; choose ops, backends or matrices`);
  }
}
