import type { Shape } from '../../tensor';
import { complexDims } from '../complex-rules';
import { FLOAT_DTYPES } from '../dtype-sets';
import { inputError, paramError } from '../op-errors';
import { pBool, pIntOrNull, pStr } from '../params-read';
import { product } from '../shape-rules';
import type { InputDecl, OpSpec, Params, Plan } from '../types';
import { fftFlops } from '../fft/fft-rules';
import { frameParams, minEnvelope, paddedWindow, resolveFrames } from './stft-rules';

const INPUTS: readonly InputDecl[] = [{ name: 'input', kind: 'float', init: { dist: 'complex' }, doc: 'complex […, n_freq, n_frames, 2]' }];

export const istft: OpSpec = {
  name: 'istft',
  family: 'stft',
  summary: 'Inverse STFT: inverse FFT per frame, window, overlap-add, divide by the window envelope',
  torch: 'torch.istft(torch.view_as_complex(input), ...)',
  params: {
    ...frameParams(),
    normalized: { type: 'bool', default: false, doc: 'the STFT was normalized (multiply by n_fft^(1/2))' },
    onesided: {
      type: 'bool',
      default: null,
      nullable: true,
      doc: 'the STFT was onesided (n_freq = n_fft/2+1); null = inferred like torch: true unless n_freq == n_fft',
    },
    length: { type: 'int', default: null, nullable: true, min: 1, doc: 'output length (cut or zero-padded); null = the full overlap-add minus centring' },
  },
  inputs: () => INPUTS,
  outputs: [{ name: 'out', kind: 'float' }],
  dtypes: FLOAT_DTYPES,
  tolerance: 'reduction',
  plan(shapes: readonly (Shape | null)[], p: Params): Plan {
    const dims = complexDims('istft', 'input', shapes[0] as Shape, 2);
    const { nFft, hop, winLength } = resolveFrames('istft', p);
    if (hop > winLength) throw paramError('istft', 'hop_length', `must be ≤ win_length (${winLength}), got ${hop}`);
    const center = pBool(p, 'center');
    const nFreq = dims[dims.length - 2];
    const frames = dims[dims.length - 1];
    const given = p.onesided;
    const onesided = given === null || given === undefined ? nFreq !== nFft : (given as boolean);
    const wantFreq = onesided ? Math.floor(nFft / 2) + 1 : nFft;
    if (nFreq !== wantFreq) {
      throw inputError(
        'istft',
        'input',
        `has ${nFreq} frequency bins; n_fft = ${nFft} ${onesided ? 'onesided' : 'two-sided'} needs ${wantFreq} (input [${(shapes[0] as Shape).join(', ')}])`,
      );
    }
    const expected = nFft + hop * (frames - 1);
    const start = center ? Math.floor(nFft / 2) : 0;
    const length = pIntOrNull(p, 'length') ?? expected - 2 * start;
    if (length < 1) throw inputError('istft', 'input', `${frames} frames give no output samples after trimming the centre padding`);
    // torch.istft checks the envelope over the output samples the frames cover.
    const end = Math.min(start + length, expected);
    const window = pStr(p, 'window');
    if (end > start && minEnvelope(paddedWindow(window, winLength, nFft), hop, frames, start, end) < 1e-11) {
      throw paramError(
        'istft',
        'hop_length',
        `window overlap-add is not invertible (NOLA): window '${window}' (win_length ${winLength}, n_fft ${nFft}) with hop ${hop}${center ? '' : ' and center=false'} leaves output samples with no window energy`,
      );
    }
    const batch = product(dims.slice(0, -2));
    return {
      outputs: [[...dims.slice(0, -2), length]],
      native: {
        n_fft: nFft,
        hop_length: hop,
        win_length: winLength,
        window,
        center,
        normalized: pBool(p, 'normalized'),
        onesided,
        length,
      },
      flops: batch * (frames * 2 * nFft + fftFlops(nFft, frames, onesided) + length),
      reduction: nFft,
    };
  },
};
