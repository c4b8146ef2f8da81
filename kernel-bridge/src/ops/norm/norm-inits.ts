/** Input distributions shared by the norm ops: an offset, wide input so centring matters. */
import type { Init } from '../types';

export const NORM_INPUT: Init = { dist: 'normal', mean: 0.5, std: 2 };
export const NORM_WEIGHT: Init = { dist: 'uniform', low: 0.5, high: 1.5 };
export const NORM_BIAS: Init = { dist: 'normal', std: 0.5 };
export const RUNNING_MEAN: Init = { dist: 'normal', mean: 0.5, std: 0.5 };
// Strictly positive, as a variance must be.
export const RUNNING_VAR: Init = { dist: 'uniform', low: 0.5, high: 4 };
