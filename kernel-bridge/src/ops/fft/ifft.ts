import { complexFftSpec } from './complex-fft';

export const ifft = complexFftSpec('ifft', 'Inverse discrete Fourier transform of a complex tensor along one dim', 'torch.fft.ifft');
