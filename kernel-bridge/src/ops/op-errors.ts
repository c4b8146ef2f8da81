/**
 * Errors raised by op specs. Rule: a problem with a parameter is ABW_EINVAL with field
 * `params.<name>`; a problem with an input tensor is ABW_ESHAPE with field `inputs.<name>`.
 * Messages start with `[op]` and say what is allowed.
 */
import { AbwError } from '../errors';
import { shapeStr, type Shape } from '../tensor';

export function paramError(op: string, name: string, message: string, prefix = 'params'): AbwError {
  const field = `${prefix}.${name}`;
  return new AbwError('ABW_EINVAL', `[${op}] ${field}: ${message}`, field);
}

export function inputError(op: string, input: string, message: string): AbwError {
  const field = `inputs.${input}`;
  return new AbwError('ABW_ESHAPE', `[${op}] ${field}: ${message}`, field);
}

/** Throws unless `shape` has exactly (or, with `atLeast`, at least) `rank` dims. */
export function expectRank(op: string, input: string, shape: Shape, rank: number, layout?: string, atLeast = false): void {
  const ok = atLeast ? shape.length >= rank : shape.length === rank;
  if (!ok) {
    const want = atLeast ? `at least ${rank} dims` : `${rank} dims`;
    throw inputError(op, input, `expected ${want}${layout ? ` (${layout})` : ''}, got ${shapeStr(shape)}`);
  }
}

/** Throws unless `shape` equals `want`. */
export function expectShape(op: string, input: string, shape: Shape, want: Shape, why?: string): void {
  if (shape.length !== want.length || shape.some((d, i) => d !== want[i])) {
    throw inputError(op, input, `expected shape ${shapeStr(want)}${why ? ` (${why})` : ''}, got ${shapeStr(shape)}`);
  }
}
