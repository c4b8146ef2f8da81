/** Factory for the shape-preserving unary activations (relu, gelu, silu, elu, sigmoid, tanh). */
import type { Shape } from '../../tensor';
import { FLOAT_DTYPES } from '../dtype-sets';
import { product } from '../shape-rules';
import type { Init, InputDecl, OpSpec, ParamDecl, Params, Plan, ToleranceFamily } from '../types';

export interface UnaryDef {
  readonly name: string;
  readonly summary: string;
  readonly torch: string;
  readonly params?: Readonly<Record<string, ParamDecl>>;
  readonly tolerance: ToleranceFamily;
  /** Flops per element (an estimate: a transcendental counts as several). */
  readonly flopsPerElement: (p: Params) => number;
  /** Wide enough to reach both the linear and the saturating parts of the curve. */
  readonly init?: Init;
}

export function unaryOp(def: UnaryDef): OpSpec {
  const inputs: readonly InputDecl[] = [{ name: 'input', kind: 'float', init: def.init ?? { dist: 'normal', std: 3 }, doc: 'any shape' }];
  const params = def.params ?? {};
  return {
    name: def.name,
    family: 'activation',
    summary: def.summary,
    torch: def.torch,
    params,
    inputs: () => inputs,
    outputs: [{ name: 'out', kind: 'float' }],
    dtypes: FLOAT_DTYPES,
    tolerance: def.tolerance,
    plan(shapes: readonly (Shape | null)[], p: Params): Plan {
      const x = shapes[0] as Shape;
      const native: Params = {};
      for (const k of Object.keys(params)) native[k] = p[k];
      return { outputs: [[...x]], native, flops: def.flopsPerElement(p) * product(x) };
    },
  };
}
