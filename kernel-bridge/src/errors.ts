/**
 * The one error type the workbench throws for bad input. `code` is stable (`ABW_EINVAL`, …),
 * `field` names the offending argument or JSON path (e.g. `cases[3].params.stride`), and the
 * message says what is allowed. Native errors arrive with the same codes.
 */
export type AbwErrorCode =
  | 'ABW_EINVAL' // a value is not allowed
  | 'ABW_ESHAPE' // shapes do not fit the op
  | 'ABW_EDTYPE' // dtype not taken
  | 'ABW_ENOKERNEL' // no implementation for (backend, op, dtype)
  | 'ABW_EUNSUPPORTED' // backend cannot run this (with the reason)
  | 'ABW_ESCHEMA' // a file does not match its schema
  | 'ABW_EIO' // reading / writing files
  | 'ABW_ENOMEM'
  | 'ABW_ETIMEOUT'
  | 'ABW_ECRASH' // the process running a case died (signal or unexpected exit)
  | 'ABW_EINTERNAL';

export class AbwError extends Error {
  readonly code: AbwErrorCode;
  readonly field?: string;
  constructor(code: AbwErrorCode, message: string, field?: string) {
    super(message);
    this.name = 'AbwError';
    this.code = code;
    this.field = field;
  }
}

export function invalid(field: string, message: string): AbwError {
  return new AbwError('ABW_EINVAL', `${field}: ${message}`, field);
}

export function shapeError(op: string, message: string, field?: string): AbwError {
  return new AbwError('ABW_ESHAPE', `[${op}] ${message}`, field);
}

/** True for errors that come from bad input rather than a bug. */
export function isUserError(e: unknown): e is Error & { code: string } {
  if (!(e instanceof Error)) return false;
  const code = (e as unknown as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ABW_') && code !== 'ABW_EINTERNAL';
}
