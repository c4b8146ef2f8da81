/** Complex tensors travel as view_as_real: a trailing dim of 2 that is not counted as a dim. */
import type { Shape } from '../tensor';
import { inputError } from './op-errors';

/** The complex dims of a […, 2] tensor; at least `minDims` of them. */
export function complexDims(op: string, input: string, shape: Shape, minDims: number): number[] {
  if (shape.length < 1 || shape[shape.length - 1] !== 2) {
    throw inputError(op, input, `expected a complex tensor as view_as_real […, 2] (trailing dim 2), got [${shape.join(', ')}]`);
  }
  const dims = shape.slice(0, -1);
  if (dims.length < minDims) {
    throw inputError(op, input, `expected at least ${minDims} complex dim${minDims > 1 ? 's' : ''} before the trailing 2, got [${shape.join(', ')}]`);
  }
  return dims;
}
