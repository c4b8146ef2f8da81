/** Storage dtype of a tensor of a given kind in a case computed in a given dtype. */
import type { ComputeDType } from '../backend/types';
import { storageDType, type DType } from '../tensor';
import type { TensorKind } from './types';

export function kindStorage(kind: TensorKind, dtype: ComputeDType): DType {
  if (kind === 'int8' || kind === 'int32') return kind;
  if (dtype === 'f64') return 'f64';
  return kind === 'wide' ? 'f32' : storageDType(dtype);
}
