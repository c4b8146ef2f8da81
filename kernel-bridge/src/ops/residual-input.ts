import type { Shape } from '../tensor';
import { expectShape } from './op-errors';
import type { InputDecl } from './types';

/**
 * The optional `residual` input of an op with a fused epilogue (matmul, conv2d): the output's
 * shape, added to the result. A variant input (only some backends take it) and an addend (the
 * precision verdict allows the result's rounding before the add: decision 34).
 */
export function residualInput(doc: string): InputDecl {
  return { name: 'residual', kind: 'float', optional: true, variant: true, addend: true, init: { dist: 'normal' }, doc };
}

/** Throws unless a given residual has the op's output shape. */
export function expectResidualShape(op: string, residual: Shape | null | undefined, out: Shape): void {
  if (residual) expectShape(op, 'residual', residual, out, "the output's shape");
}
