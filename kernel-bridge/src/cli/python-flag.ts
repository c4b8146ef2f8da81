/**
 * `--python PATH`: the Python that the torch/mlx worker backends start. It is passed on through
 * ABW_PYTHON, so the matrix's child processes (which start the workers) see it too.
 */
import { stringFlag, type FlagSpec } from './args';

export const PYTHON_FLAG: FlagSpec = {
  type: 'string',
  value: 'PATH',
  doc: 'Python for the torch/mlx workers (default: ABW_PYTHON, else python3)',
};

export function applyPythonFlag(value: unknown): void {
  const python = stringFlag(value);
  if (python !== undefined) process.env.ABW_PYTHON = python;
}
