// A webgpu kernel plan built without a device, for tests of the kernels' dispatch choices: the op
// planned as the backend plans it, then built at the given limits (and kernel choices).
import type { KernelChoices, KernelLimits, KernelPlan } from '../../kernel-bridge/src/backends/webgpu/kernel-types';
import { KERNELS } from '../../kernel-bridge/src/backends/webgpu/kernels';
import { OPS } from '../../kernel-bridge/src/ops/catalogue';
import { planCall } from '../../kernel-bridge/src/ops/plan-call';
import type { Params } from '../../kernel-bridge/src/ops/types';
import type { Shape } from '../../kernel-bridge/src/tensor';

/** NVIDIA's limits as Dawn reports them on Vulkan, and WebGPU's guaranteed minimum. */
export const NVIDIA_LIMITS: KernelLimits = { workgroupStorage: 49152, invocations: 1024 };
export const MINIMUM_LIMITS: KernelLimits = { workgroupStorage: 16384, invocations: 256 };

export function kernelPlan(op: string, shapes: Shape[], params: Params, limits: KernelLimits, choices?: KernelChoices): KernelPlan {
  const spec = OPS.find((o) => o.name === op)!;
  const planned = planCall(spec, shapes, params);
  return KERNELS[op].build({
    op,
    inputs: shapes.map((shape) => ({ shape, dtype: 'f32' })),
    outputs: planned.plan.outputs.map((shape) => ({ shape, dtype: 'f32' })),
    p: planned.plan.native,
    ft: 'f32',
    limits,
    ...(choices ? { choices } : {}),
  });
}
