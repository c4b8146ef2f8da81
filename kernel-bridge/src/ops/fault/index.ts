/**
 * Test-only fault ops (native/src/fault/fault.cpp): `crash`, `hang`, `leak`, `exhaust`. They
 * exist in the catalogue only when the loaded addon was built with ABW_FAULT_OPS
 * (`buildInfo().faultOps`), run only on the `fault` backend, in f32, and have no oracle: a
 * record of one has no precision verdict. They test the runner's isolation (docs/reliability.md).
 */
import type { Shape } from '../../tensor';
import { product } from '../shape-rules';
import type { InputDecl, OpSpec, ParamDecl, Params, Plan } from '../types';

const INPUTS: readonly InputDecl[] = [{ name: 'input', kind: 'float', init: { dist: 'normal' }, doc: 'any shape; copied to out' }];

function faultOp(name: string, summary: string, params: Readonly<Record<string, ParamDecl>>): OpSpec {
  return {
    name,
    family: 'fault',
    summary: `TEST ONLY: ${summary}`,
    torch: '(none: test-only fault op)',
    params,
    inputs: () => INPUTS,
    outputs: [{ name: 'out', kind: 'float' }],
    dtypes: ['f32'],
    tolerance: 'copy',
    testOnly: true,
    plan(shapes: readonly (Shape | null)[], p: Params): Plan {
      const x = shapes[0] as Shape;
      const native: Params = {};
      for (const k of Object.keys(params)) native[k] = p[k];
      return { outputs: [[...x]], native, flops: product(x) };
    },
  };
}

export const crash = faultOp('crash', 'kills its process: SIGSEGV (null write), abort, or SIGKILL as the OOM killer would', {
  mode: { type: 'string', enum: ['segv', 'abort', 'kill'], default: 'segv', doc: 'how to die' },
});

export const hang = faultOp('hang', 'does not return (ms = 0) or returns after ms', {
  mode: { type: 'string', enum: ['sleep', 'spin'], default: 'sleep', doc: 'sleep, or burn a core' },
  ms: { type: 'float', min: 0, max: 86_400_000, default: 0, doc: 'how long; 0 = forever' },
});

export const leak = faultOp('leak', 'allocates `bytes` per call and never frees them', {
  bytes: { type: 'int', min: 0, max: 2 ** 40, default: 1 << 20, doc: 'bytes leaked per call' },
});

export const exhaust = faultOp('exhaust', 'allocates under a lowered RLIMIT_AS until allocation fails', {
  limit_bytes: { type: 'int', min: 2 ** 20, max: 2 ** 40, default: 256 * 2 ** 20, doc: 'address space allowed above the current' },
  mode: { type: 'string', enum: ['throw', 'terminate'], default: 'throw', doc: 'throw: clean ENOMEM; terminate: uncaught std::bad_alloc' },
});

export const FAULT_OPS: readonly OpSpec[] = Object.freeze([crash, hang, leak, exhaust]);
