import { describe, expect, it } from 'vitest';
import { expectAbw, outShapes, plan } from './plan-helpers';

describe('stft', () => {
  it('counts frames with and without center', () => {
    const r = plan('stft', [[16000]], { n_fft: 400 }).plan;
    expect(r.outputs).toEqual([[201, 161, 2]]);
    expect(r.native).toEqual({
      n_fft: 400,
      hop_length: 100,
      win_length: 400,
      window: 'hann',
      center: true,
      pad_mode: 'reflect',
      normalized: false,
      onesided: true,
    });
    expect(r.reduction).toBe(400);
    expect(outShapes('stft', [[16000]], { n_fft: 400, center: false })).toEqual([[201, 157, 2]]);
    expect(outShapes('stft', [[2, 1000]], { n_fft: 256, hop_length: 64, win_length: 200, window: 'ones' })).toEqual([[2, 129, 16, 2]]);
    expect(outShapes('stft', [[2, 1000]], { n_fft: 256, hop_length: 64, onesided: false })).toEqual([[2, 256, 16, 2]]);
    expect(outShapes('stft', [[2, 1000]], { n_fft: 255, hop_length: 100, center: false })).toEqual([[2, 128, 8, 2]]);
    expect(outShapes('stft', [[100]], { n_fft: 256, pad_mode: 'constant' })).toEqual([[129, 2, 2]]);
  });

  it('rejects bad input', () => {
    expectAbw(() => plan('stft', [[1000]], {}), 'params.n_fft', 'ABW_EINVAL');
    expectAbw(() => plan('stft', [[1000]], { n_fft: 3 }), 'params.hop_length');
    expectAbw(() => plan('stft', [[1000]], { n_fft: 256, win_length: 300 }), 'params.win_length');
    expectAbw(() => plan('stft', [[100]], { n_fft: 256 }), 'inputs.input', 'ABW_ESHAPE');
    expectAbw(() => plan('stft', [[100]], { n_fft: 256, center: false }), 'params.n_fft');
    expectAbw(() => plan('stft', [[1000]], { n_fft: 256, window: 'hamming' }), 'params.window');
    expectAbw(() => plan('stft', [[1000]], { n_fft: 256, pad_mode: 'circular' }), 'params.pad_mode');
    expectAbw(() => plan('stft', [[1000]], { n_fft: 256, return_complex: true }), 'params.return_complex');
  });
});

describe('istft', () => {
  it('defaults length to the centred overlap-add length', () => {
    const r = plan('istft', [[201, 161, 2]], { n_fft: 400 }).plan;
    expect(r.outputs).toEqual([[16000]]);
    expect(r.native).toEqual({
      n_fft: 400,
      hop_length: 100,
      win_length: 400,
      window: 'hann',
      center: true,
      normalized: false,
      onesided: true,
      length: 16000,
    });
    // 256 + 64·15 = 1216 overlap-added samples, less 2·128 of centring.
    expect(outShapes('istft', [[2, 129, 16, 2]], { n_fft: 256, hop_length: 64 })).toEqual([[2, 960]]);
    expect(outShapes('istft', [[2, 129, 16, 2]], { n_fft: 256, hop_length: 64, length: 1000 })).toEqual([[2, 1000]]);
    expect(outShapes('istft', [[2, 129, 16, 2]], { n_fft: 256, hop_length: 64, length: 1500 })).toEqual([[2, 1500]]);
    expect(outShapes('istft', [[129, 16, 2]], { n_fft: 256, hop_length: 64, center: false, window: 'ones' })).toEqual([[1216]]);
    const two = plan('istft', [[256, 16, 2]], { n_fft: 256, hop_length: 64 }).plan;
    expect(two.native.onesided).toBe(false);
    expect(two.outputs).toEqual([[960]]);
  });

  it('round-trips stft shapes', () => {
    const s = plan('stft', [[3, 4000]], { n_fft: 512, hop_length: 128 }).plan.outputs[0];
    expect(plan('istft', [s], { n_fft: 512, hop_length: 128, length: 4000 }).plan.outputs).toEqual([[3, 4000]]);
  });

  it('rejects bad input', () => {
    expectAbw(() => plan('istft', [[200, 161, 2]], { n_fft: 400 }), 'inputs.input', 'ABW_ESHAPE');
    expectAbw(() => plan('istft', [[201, 161, 2]], { n_fft: 400, onesided: false }), 'inputs.input');
    expectAbw(() => plan('istft', [[201, 161]], { n_fft: 400 }), 'inputs.input');
    expectAbw(() => plan('istft', [[161, 2]], { n_fft: 400 }), 'inputs.input');
    expectAbw(() => plan('istft', [[201, 161, 2]], { n_fft: 400, hop_length: 500, win_length: 400 }), 'params.hop_length');
    // NOLA: a Hann window with hop = n_fft has zeros at every frame edge.
    const nola = expectAbw(() => plan('istft', [[129, 10, 2]], { n_fft: 256, hop_length: 256 }), 'params.hop_length');
    expect(nola.message).toContain('NOLA');
    // Hann without centring starts at zero energy.
    expectAbw(() => plan('istft', [[129, 10, 2]], { n_fft: 256, hop_length: 64, center: false }), 'params.hop_length');
    expectAbw(() => plan('istft', [[201, 161, 2]], { n_fft: 400, length: 0 }), 'params.length');
  });
});
