import { describe, expect, it } from 'vitest';
import { AbwError } from '../../../kernel-bridge/src/errors';
import { OPS, getOp, listOps, opNames } from '../../../kernel-bridge/src/ops';

const EXPECTED = [
  'matmul', 'linear', 'conv1d', 'conv2d', 'conv_transpose1d', 'lstm_cell', 'lstm',
  'relu', 'gelu', 'silu', 'elu', 'sigmoid', 'tanh', 'softmax',
  'max_pool1d', 'avg_pool1d', 'max_pool2d', 'avg_pool2d',
  'layer_norm', 'batch_norm', 'instance_norm', 'group_norm',
  'reshape', 'transpose', 'permute', 'concat', 'pad', 'slice',
  'add', 'mul', 'add_bias', 'complex_mul',
  'fft', 'ifft', 'rfft', 'irfft', 'stft', 'istft',
  'quantize_ternary', 'quantize_int8', 'ternary_matmul', 'dequantize_int32',
  'argmax', 'index_select',
];

const FAMILIES = ['matmul', 'conv', 'lstm', 'activation', 'pool', 'norm', 'layout', 'elementwise', 'fft', 'stft', 'quant', 'indexing'];
const TF32 = ['matmul', 'linear', 'conv1d', 'conv2d', 'conv_transpose1d', 'lstm_cell', 'lstm'];
const TOLERANCE: Record<string, string> = {
  matmul: 'reduction', linear: 'reduction', conv1d: 'reduction', conv2d: 'reduction', conv_transpose1d: 'reduction',
  lstm_cell: 'reduction', lstm: 'reduction', layer_norm: 'reduction', batch_norm: 'reduction', instance_norm: 'reduction',
  group_norm: 'reduction', softmax: 'reduction', fft: 'reduction', ifft: 'reduction', rfft: 'reduction', irfft: 'reduction',
  stft: 'reduction', istft: 'reduction',
  gelu: 'transcendental', silu: 'transcendental', elu: 'transcendental', sigmoid: 'transcendental', tanh: 'transcendental',
  relu: 'elementwise', add: 'elementwise', mul: 'elementwise', add_bias: 'elementwise', complex_mul: 'elementwise',
  max_pool1d: 'elementwise', avg_pool1d: 'elementwise', max_pool2d: 'elementwise', avg_pool2d: 'elementwise',
  reshape: 'copy', transpose: 'copy', permute: 'copy', concat: 'copy', pad: 'copy', slice: 'copy',
  quantize_ternary: 'quantized', quantize_int8: 'quantized', ternary_matmul: 'exact',
  dequantize_int32: 'elementwise',
  argmax: 'exact', index_select: 'copy',
};

describe('catalogue', () => {
  it('holds every op of docs/ops.md once, in order', () => {
    expect(opNames()).toEqual(EXPECTED);
    expect(listOps().map((o) => o.name)).toEqual(EXPECTED);
    expect(new Set(opNames()).size).toBe(OPS.length);
  });

  it('gives each op a known family, tolerance and dtypes', () => {
    for (const op of OPS) {
      expect(FAMILIES).toContain(op.family);
      expect(op.tolerance, op.name).toBe(TOLERANCE[op.name]);
      expect(op.summary.length).toBeGreaterThan(3);
      expect(op.torch.length).toBeGreaterThan(3);
      expect(op.outputs.length).toBeGreaterThan(0);
      if (op.name === 'ternary_matmul') expect(op.dtypes).toEqual(['int8']);
      else if (op.name.startsWith('quantize_') || op.name === 'dequantize_int32') expect(op.dtypes).toEqual(['f32', 'f16', 'bf16']);
      else if (TF32.includes(op.name)) expect(op.dtypes).toEqual(['f32', 'tf32', 'f16', 'bf16']);
      else expect(op.dtypes).toEqual(['f32', 'f16', 'bf16']);
      for (const [name, decl] of Object.entries(op.params)) {
        expect(decl.doc.length, `${op.name}.${name}`).toBeGreaterThan(0);
      }
    }
  });

  it('getOp finds ops and rejects unknown names listing the known ones', () => {
    expect(getOp('conv1d').name).toBe('conv1d');
    let err: unknown;
    try {
      getOp('conv3d');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AbwError);
    expect((err as AbwError).code).toBe('ABW_EINVAL');
    expect((err as AbwError).field).toBe('op');
    expect((err as AbwError).message).toContain('conv1d');
    expect((err as AbwError).message).toContain('ternary_matmul');
  });
});
