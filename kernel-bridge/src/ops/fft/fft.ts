import { complexFftSpec } from './complex-fft';

export const fft = complexFftSpec('fft', 'Discrete Fourier transform of a complex tensor along one dim', 'torch.fft.fft');
