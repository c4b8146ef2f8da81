/** Case dtypes per kind of op. TF32 is listed only where it is a real compute mode (GEMM-like). */
import type { CaseDType } from '../tensor';

export const FLOAT_DTYPES: readonly CaseDType[] = ['f32', 'f16', 'bf16'];
export const GEMM_DTYPES: readonly CaseDType[] = ['f32', 'tf32', 'f16', 'bf16'];
export const QUANT_DTYPES: readonly CaseDType[] = ['f32', 'f16', 'bf16'];
export const INT8_DTYPES: readonly CaseDType[] = ['int8'];
