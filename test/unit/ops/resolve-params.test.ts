import { describe, expect, it } from 'vitest';
import { getOp, resolveParams } from '../../../kernel-bridge/src/ops';
import { expectAbw } from './plan-helpers';

describe('resolveParams', () => {
  it('fills defaults and keeps given values', () => {
    expect(resolveParams(getOp('conv1d'), { stride: 2 })).toEqual({ stride: 2, padding: 0, dilation: 1, groups: 1 });
    expect(resolveParams(getOp('max_pool1d'), { kernel_size: 3 })).toEqual({
      kernel_size: 3,
      stride: null,
      padding: 0,
      dilation: 1,
      ceil_mode: false,
    });
    expect(resolveParams(getOp('relu'), undefined)).toEqual({});
    expect(resolveParams(getOp('conv2d'), { padding: 'same' }).padding).toBe('same');
    expect(resolveParams(getOp('conv2d'), { padding: [1, 2] }).padding).toEqual([1, 2]);
  });

  it('does not share default lists between calls', () => {
    const a = resolveParams(getOp('stft'), { n_fft: 8 });
    expect(a.window).toBe('hann');
  });

  it('rejects unknown keys, naming them and listing the allowed ones', () => {
    const err = expectAbw(() => resolveParams(getOp('conv1d'), { strides: 2 }), 'params.strides', 'ABW_EINVAL');
    expect(err.message).toContain("'strides'");
    expect(err.message).toContain('stride, padding, dilation, groups');
    expect(err.message.startsWith('[conv1d]')).toBe(true);
    const none = expectAbw(() => resolveParams(getOp('relu'), { inplace: true }), 'params.inplace');
    expect(none.message).toContain('no parameters');
  });

  it('uses the field prefix it is given', () => {
    expectAbw(() => resolveParams(getOp('conv1d'), { stride: 0 }, 'cases[3].params'), 'cases[3].params.stride');
  });

  it('checks types, ranges, enums, NaN and Infinity', () => {
    expectAbw(() => resolveParams(getOp('conv1d'), { stride: 0 }), 'params.stride');
    expectAbw(() => resolveParams(getOp('conv1d'), { stride: 1.5 }), 'params.stride');
    expectAbw(() => resolveParams(getOp('conv1d'), { stride: '2' }), 'params.stride');
    expectAbw(() => resolveParams(getOp('conv1d'), { stride: [1, 0] }), 'params.stride[1]');
    expectAbw(() => resolveParams(getOp('conv1d'), { padding: 'full' }), 'params.padding');
    expectAbw(() => resolveParams(getOp('conv1d'), { padding: -1 }), 'params.padding');
    expectAbw(() => resolveParams(getOp('elu'), { alpha: NaN }), 'params.alpha');
    expectAbw(() => resolveParams(getOp('elu'), { alpha: Infinity }), 'params.alpha');
    expectAbw(() => resolveParams(getOp('elu'), { alpha: 'one' }), 'params.alpha');
    expectAbw(() => resolveParams(getOp('gelu'), { approximate: 'fast' }), 'params.approximate');
    expectAbw(() => resolveParams(getOp('lstm'), { bias: 1 }), 'params.bias');
    expectAbw(() => resolveParams(getOp('conv1d'), { groups: null }), 'params.groups');
    expectAbw(() => resolveParams(getOp('layer_norm'), { normalized_shape: [4, NaN] }), 'params.normalized_shape[1]');
    expectAbw(() => resolveParams(getOp('conv1d'), [1, 2]), 'params');
    const msg = expectAbw(() => resolveParams(getOp('gelu'), { approximate: 'fast' }), 'params.approximate').message;
    expect(msg).toContain("'none' | 'tanh'");
  });

  it('accepts null only where nullable', () => {
    expect(resolveParams(getOp('fft'), { n: null }).n).toBeNull();
    expect(resolveParams(getOp('slice'), { start: null }).start).toBeNull();
  });

  it('requires params without defaults', () => {
    const err = expectAbw(() => resolveParams(getOp('max_pool1d'), {}), 'params.kernel_size', 'ABW_EINVAL');
    expect(err.message).toContain('required');
    expectAbw(() => resolveParams(getOp('stft'), {}), 'params.n_fft');
    expectAbw(() => resolveParams(getOp('transpose'), { dim0: 0 }), 'params.dim1');
  });
});
