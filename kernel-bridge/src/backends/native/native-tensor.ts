/**
 * Device tensors of the backends built on the native addon (ref, cpu, fault, cuda): a frozen
 * DeviceTensor tagged with the addon's tensor handle, so a foreign or untagged tensor is a clear
 * error rather than a crash in native code.
 */
import type { NativeTensor } from '@abw/native';

import { AbwError } from '../../errors';
import type { DeviceTensor } from '../../backend/types';
import type { DType, Shape } from '../../tensor';

const OWNER = Symbol('abw.nativeTensor');

export interface NativeDeviceTensor extends DeviceTensor {
  readonly [OWNER]: NativeTensor;
}

export function wrapNative(backend: string, dtype: DType, shape: Shape, handle: NativeTensor): NativeDeviceTensor {
  return Object.freeze({ backend, dtype, shape: Object.freeze([...shape]), [OWNER]: handle });
}

/** The addon handle of a tensor this backend made; `noun` names the backend family in the error. */
export function nativeHandle(t: DeviceTensor | null | undefined, what: string, backend: string, noun: string): NativeTensor {
  const h = t && (t as Partial<NativeDeviceTensor>)[OWNER];
  if (!t || !h) throw new AbwError('ABW_EINVAL', `${what} is not a tensor of ${noun}`, what);
  if (t.backend !== backend) throw new AbwError('ABW_EINVAL', `${what} belongs to backend ${t.backend}, not ${backend}`, what);
  return h;
}

/** The handle of a tensor made by wrapNative (outputs of a prepare). */
export function handleOf(t: NativeDeviceTensor): NativeTensor {
  return t[OWNER];
}

/**
 * `reshape` as a view: a tensor on the input's bytes with the planned shape (no copy, as a
 * PyTorch reshape of a contiguous tensor). Ops never write their inputs, so the sharing is not
 * observable; the bytes live until both tensors are freed. `run` uses it; `prepare` keeps the
 * copy kernel, which is what the op matrix times.
 */
export function reshapeView(backend: string, input: NativeTensor, out: { readonly dtype: DType; readonly shape: Shape }): NativeDeviceTensor {
  return wrapNative(backend, out.dtype, out.shape, input.view([...out.shape]));
}
