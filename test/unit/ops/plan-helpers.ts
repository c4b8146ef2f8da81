/** Helpers for the op catalogue tests: plan by name, and expect an AbwError naming a field. */
import { expect } from 'vitest';
import { AbwError } from '../../../kernel-bridge/src/errors';
import { getOp, planCall } from '../../../kernel-bridge/src/ops';
import type { Shape } from '../../../kernel-bridge/src/tensor';

export function plan(op: string, shapes: (Shape | null)[], params: Record<string, unknown> = {}) {
  return planCall(getOp(op), shapes, params);
}

export function outShapes(op: string, shapes: (Shape | null)[], params: Record<string, unknown> = {}): number[][] {
  return plan(op, shapes, params).plan.outputs.map((s) => [...s]);
}

/** Runs `fn`, expects an AbwError whose field is `field` (and code, when given). */
export function expectAbw(fn: () => unknown, field: string, code?: string): AbwError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected an AbwError on ${field}`).toBeInstanceOf(AbwError);
  const err = caught as AbwError;
  expect(err.field).toBe(field);
  if (code) expect(err.code).toBe(code);
  expect(err.message.length).toBeGreaterThan(10);
  return err;
}
