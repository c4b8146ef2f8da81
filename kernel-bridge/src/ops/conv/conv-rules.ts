/** Shared by conv1d / conv2d: user padding → explicit [before, after] per spatial dim, channel checks. */
import type { Shape } from '../../tensor';
import { expectShape, inputError, paramError } from '../op-errors';
import { expandInts } from '../params-read';
import type { Params } from '../types';

/**
 * int | list | 'valid' | 'same' → [[before, after], …] per spatial dim. 'same' (stride 1 only)
 * pads dilation·(k−1) in total, the odd element on the right/bottom, as ATen's conv_padding_same.
 */
export function resolveConvPadding(op: string, p: Params, kernel: readonly number[], dilation: readonly number[], stride: readonly number[]): [number, number][] {
  const padding = p.padding;
  const nd = kernel.length;
  if (padding === 'valid') return kernel.map(() => [0, 0]);
  if (padding === 'same') {
    if (stride.some((s) => s !== 1)) {
      throw paramError(op, 'padding', `'same' padding needs stride 1, got stride [${stride.join(', ')}]`);
    }
    return kernel.map((k, i) => {
      const total = dilation[i] * (k - 1);
      const before = Math.floor(total / 2);
      return [before, total - before];
    });
  }
  return expandInts(op, p, 'padding', nd).map((v) => [v, v]);
}

/**
 * Checks weight [Cout, Cin/groups, k…] and bias [Cout] against input [N, Cin, …]; with
 * `channelsLast` (conv2d), weight [Cout, k…, Cin/groups] against input [N, …, Cin].
 */
export function checkConvChannels(
  op: string,
  x: Shape,
  w: Shape,
  bias: Shape | null | undefined,
  groups: number,
  channelsLast = false,
): { cin: number; cout: number } {
  const cinDim = channelsLast ? x.length - 1 : 1;
  const wInDim = channelsLast ? w.length - 1 : 1;
  const cin = x[cinDim];
  const cout = w[0];
  const where = channelsLast ? ` (input dim ${cinDim}, channels_last)` : '';
  if (cin % groups !== 0) throw paramError(op, 'groups', `groups=${groups} must divide in_channels ${cin}${where}`);
  if (cout % groups !== 0) throw paramError(op, 'groups', `groups=${groups} must divide out_channels ${cout} (weight dim 0)`);
  if (w[wInDim] * groups !== cin) {
    const layout = channelsLast ? ' (weight [Cout, kH, kW, Cin/groups] when channels_last)' : '';
    throw inputError(
      op,
      'weight',
      `expected dim ${wInDim} = in_channels/groups = ${cin}/${groups} = ${cin / groups}${layout}, got weight [${w.join(', ')}]`,
    );
  }
  if (bias) expectShape(op, 'bias', bias, [cout], 'out_channels');
  return { cin, cout };
}
