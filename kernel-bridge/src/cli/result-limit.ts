/**
 * `--max-result-bytes SIZE`, accepted by every command that reads result files: taken out of
 * argv before the command parses its flags, and applied as ABW_MAX_RESULT_BYTES (which every
 * results reader honours: results/read-run.ts) while the command runs.
 */
import { MAX_RESULT_BYTES_ENV, parseByteSize } from '../results/read-run';
import { UsageError } from './args';

export const MAX_RESULT_BYTES_FLAG = '--max-result-bytes';
export const MAX_RESULT_BYTES_HELP = `${MAX_RESULT_BYTES_FLAG} SIZE   (any command) refuse results files larger than SIZE (e.g. 64M; default ${MAX_RESULT_BYTES_ENV} or 256M)`;

/** argv without the flag, and a function that restores the environment afterwards. */
export function takeResultLimit(command: string, argv: readonly string[]): { argv: string[]; restore: () => void } {
  const out: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (a === MAX_RESULT_BYTES_FLAG) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`abw ${command}: ${MAX_RESULT_BYTES_FLAG} needs a size, e.g. 256M`);
      i++;
    } else if (a.startsWith(`${MAX_RESULT_BYTES_FLAG}=`)) {
      value = a.slice(MAX_RESULT_BYTES_FLAG.length + 1);
    } else out.push(a);
  }
  if (value === undefined) return { argv: out, restore: () => undefined };
  const n = parseByteSize(value);
  if (!Number.isFinite(n)) {
    throw new UsageError(`abw ${command}: ${MAX_RESULT_BYTES_FLAG} must be a positive size such as 268435456, 256M or 1G, got ${JSON.stringify(value.slice(0, 40))}`);
  }
  const before = process.env[MAX_RESULT_BYTES_ENV];
  process.env[MAX_RESULT_BYTES_ENV] = String(n);
  return {
    argv: out,
    restore: () => {
      if (before === undefined) delete process.env[MAX_RESULT_BYTES_ENV];
      else process.env[MAX_RESULT_BYTES_ENV] = before;
    },
  };
}
