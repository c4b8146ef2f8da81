/** Every op the workbench knows, in docs/ops.md order. */
import { AbwError } from '../errors';
import { elu } from './activation/elu';
import { gelu } from './activation/gelu';
import { relu } from './activation/relu';
import { sigmoid } from './activation/sigmoid';
import { silu } from './activation/silu';
import { softmax } from './activation/softmax';
import { tanh } from './activation/tanh';
import { conv1d } from './conv/conv1d';
import { conv2d } from './conv/conv2d';
import { conv_transpose1d } from './conv/conv_transpose1d';
import { add } from './elementwise/add';
import { add_bias } from './elementwise/add_bias';
import { complex_mul } from './elementwise/complex_mul';
import { mul } from './elementwise/mul';
import { fft } from './fft/fft';
import { ifft } from './fft/ifft';
import { irfft } from './fft/irfft';
import { rfft } from './fft/rfft';
import { concat } from './layout/concat';
import { pad } from './layout/pad';
import { permute } from './layout/permute';
import { reshape } from './layout/reshape';
import { slice } from './layout/slice';
import { transpose } from './layout/transpose';
import { lstm } from './lstm/lstm';
import { lstm_cell } from './lstm/lstm_cell';
import { linear } from './matmul/linear';
import { matmul } from './matmul/matmul';
import { batch_norm } from './norm/batch_norm';
import { group_norm } from './norm/group_norm';
import { instance_norm } from './norm/instance_norm';
import { layer_norm } from './norm/layer_norm';
import { avg_pool1d } from './pool/avg_pool1d';
import { avg_pool2d } from './pool/avg_pool2d';
import { max_pool1d } from './pool/max_pool1d';
import { max_pool2d } from './pool/max_pool2d';
import { quantize_int8 } from './quant/quantize_int8';
import { quantize_ternary } from './quant/quantize_ternary';
import { ternary_matmul } from './quant/ternary_matmul';
import { dequantize_int32 } from './quant/dequantize_int32';
import { argmax } from './indexing/argmax';
import { index_select } from './indexing/index_select';
import { istft } from './stft/istft';
import { stft } from './stft/stft';
import type { OpSpec } from './types';
import { addon } from '../backends/native/addon';
import { FAULT_OPS } from './fault';

export const OPS: readonly OpSpec[] = Object.freeze([
  matmul,
  linear,
  conv1d,
  conv2d,
  conv_transpose1d,
  lstm_cell,
  lstm,
  relu,
  gelu,
  silu,
  elu,
  sigmoid,
  tanh,
  softmax,
  max_pool1d,
  avg_pool1d,
  max_pool2d,
  avg_pool2d,
  layer_norm,
  batch_norm,
  instance_norm,
  group_norm,
  reshape,
  transpose,
  permute,
  concat,
  pad,
  slice,
  add,
  mul,
  add_bias,
  complex_mul,
  fft,
  ifft,
  rfft,
  irfft,
  stft,
  istft,
  quantize_ternary,
  quantize_int8,
  ternary_matmul,
  dequantize_int32,
  argmax,
  index_select,
]);

const BY_NAME: ReadonlyMap<string, OpSpec> = new Map(OPS.map((op) => [op.name, op]));

let faultOps: boolean | undefined;

/**
 * True when the loaded native addon was built with ABW_FAULT_OPS (test builds only): then the
 * test-only fault ops (ops/fault) join the catalogue. Never true for a normal build, and false
 * when the addon does not load.
 */
export function faultOpsEnabled(): boolean {
  if (faultOps === undefined) {
    try {
      faultOps = addon().buildInfo().faultOps === true;
    } catch {
      faultOps = false;
    }
  }
  return faultOps;
}

function lookup(name: string): OpSpec | undefined {
  if (typeof name !== 'string') return undefined;
  const spec = BY_NAME.get(name);
  if (spec) return spec;
  return faultOpsEnabled() ? FAULT_OPS.find((op) => op.name === name) : undefined;
}

/** The spec of `name`; an unknown name is ABW_EINVAL listing the known ops. */
export function getOp(name: string, field = 'op'): OpSpec {
  const spec = lookup(name);
  if (!spec) {
    throw new AbwError('ABW_EINVAL', `${field}: unknown op ${JSON.stringify(name)}; known ops: ${opNames().join(', ')}`, field);
  }
  return spec;
}

export function hasOp(name: string): boolean {
  return lookup(name) !== undefined;
}

/** Every spec, in catalogue order (plus the test-only fault ops in an ABW_FAULT_OPS build). */
export function listOps(): readonly OpSpec[] {
  return faultOpsEnabled() ? [...OPS, ...FAULT_OPS] : OPS;
}

/** Op names in catalogue order. */
export function opNames(): string[] {
  return listOps().map((op) => op.name);
}
