/**
 * node:util parseArgs with errors a person can act on: unknown flags name the command's flags,
 * missing values say which flag, numbers are checked. All CLI argument errors are UsageError
 * (exit code 2).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface FlagSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
  readonly multiple?: boolean;
  /** Shown in help, e.g. `ID`. */
  readonly value?: string;
  readonly doc: string;
}

export type Flags = Readonly<Record<string, FlagSpec>>;

export interface Parsed {
  readonly values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  readonly positionals: string[];
}

export function parseFlags(command: string, argv: readonly string[], flags: Flags, opts: { maxPositionals?: number } = {}): Parsed {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, f] of Object.entries(flags)) {
    options[name] = { type: f.type, ...(f.short ? { short: f.short } : {}), ...(f.multiple ? { multiple: true } : {}) };
  }
  let parsed: Parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true }) as Parsed;
  } catch (e) {
    const err = e as Error & { code?: string };
    const known = Object.keys(flags)
      .map((f) => `--${f}`)
      .join(', ');
    const m = /'(-{1,2}[^']+)'/.exec(err.message);
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new UsageError(`abw ${command}: unknown flag ${m?.[1] ?? ''}; flags: ${known || '(none)'}`);
    }
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      throw new UsageError(`abw ${command}: ${err.message.replace(/^option /i, 'flag ')}`);
    }
    throw new UsageError(`abw ${command}: ${err.message}`);
  }
  const max = opts.maxPositionals ?? 0;
  if (parsed.positionals.length > max) {
    const extra = parsed.positionals.slice(max);
    throw new UsageError(`abw ${command}: unexpected argument${extra.length > 1 ? 's' : ''} ${extra.map((s) => JSON.stringify(s)).join(' ')}`);
  }
  return parsed;
}

/** A repeatable string flag, also accepting comma-separated lists: `--backend cpu,ref`. */
export function listFlag(v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const arr = Array.isArray(v) ? v : [v];
  const out = arr
    .flatMap((s) => String(s).split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  return out.length ? out : undefined;
}

export function stringFlag(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function intFlag(command: string, name: string, v: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v).trim();
  const n = /^-?\d+$/.test(s) ? Number(s) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`abw ${command}: --${name} must be an integer in [${min}, ${max}], got ${JSON.stringify(String(v))}`);
  }
  return n;
}

/** Help text for a command's flags. */
export function flagsHelp(flags: Flags): string {
  const rows = Object.entries(flags).map(([name, f]) => {
    const left = `  ${f.short ? `-${f.short}, ` : '    '}--${name}${f.value ? ` ${f.value}` : ''}${f.multiple ? ' …' : ''}`;
    return [left, f.doc] as const;
  });
  const w = Math.max(...rows.map(([l]) => l.length));
  return rows.map(([l, d]) => `${l.padEnd(w)}  ${d}`).join('\n');
}
