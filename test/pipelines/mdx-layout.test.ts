// mdx23c's layout choice: 'auto' is channels last only where cuDNN's tensor-core convolutions
// read NHWC (cuda, f16/bf16); asking for channels last on a backend without the variants names
// the parameter and the backend's reason; GELU is fused into the norms where the backend says so.
import { describe, expect, it } from 'vitest';

import type { ComputeDType } from '../../kernel-bridge/src/backend/types';
import { resolveMdx } from '../../kernel-bridge/src/pipelines/mdx23c/config';
import { mdxLayout } from '../../kernel-bridge/src/pipelines/mdx23c/index';
import type { PipelineExec } from '../../kernel-bridge/src/pipelines/exec';
import type { Params } from '../../kernel-bridge/src/ops/types';

function fakeExec(id: string, dtype: ComputeDType, refuses: (op: string, p: Params) => string | undefined): PipelineExec {
  const backend = {
    id,
    supports: (op: string, _dt: ComputeDType, p: Params = {}) => {
      const why = refuses(op, p);
      return why ? { ok: false, reason: why } : { ok: true };
    },
  };
  return { backend, dtype } as unknown as PipelineExec;
}

const none = () => undefined;
const cfg = (layout?: string) => resolveMdx(layout ? { layout } : {}).config;

describe('mdx23c layout', () => {
  it("'auto' is channels last on cuda in f16 and bf16 only", () => {
    expect(mdxLayout(fakeExec('cuda', 'f16', none), cfg()).channelsLast).toBe(true);
    expect(mdxLayout(fakeExec('cuda', 'bf16', none), cfg()).channelsLast).toBe(true);
    expect(mdxLayout(fakeExec('cuda', 'f32', none), cfg()).channelsLast).toBe(false);
    expect(mdxLayout(fakeExec('cpu', 'f16', none), cfg()).channelsLast).toBe(false);
    expect(mdxLayout(fakeExec('cpu', 'f32', none), cfg('channels_last')).channelsLast).toBe(true);
  });

  it('channels last on a backend without the variant is a clear error naming layout', () => {
    const ex = fakeExec('webgpu', 'f32', (op, p) => (p.channels_last ? `channels_last ${op} is not implemented on webgpu` : undefined));
    expect(() => mdxLayout(ex, cfg('channels_last'))).toThrow(/layout.*channels_last conv2d is not implemented on webgpu/);
  });

  it('fuses GELU into the norms only where instance_norm takes the activation', () => {
    const noGelu = fakeExec('webgpu', 'f32', (op, p) => (p.activation ? `instance_norm with activation = 'gelu' is not implemented on webgpu` : undefined));
    expect(mdxLayout(noGelu, cfg()).fusedNormGelu).toBe(false);
    expect(mdxLayout(fakeExec('cpu', 'f32', none), cfg()).fusedNormGelu).toBe(true);
  });

  it("takes the TDF's residual into the matmul only channels last, and only where matmul has the residual input", () => {
    const withResidual = (id: string, dtype: ComputeDType) => {
      const ex = fakeExec(id, dtype, none);
      Object.assign(ex.backend, { variants: { matmul: ['residual'] } });
      return ex;
    };
    expect(mdxLayout(withResidual('cuda', 'f16'), cfg()).fusedTdfResidual).toBe(true);
    expect(mdxLayout(withResidual('cuda', 'f32'), cfg()).fusedTdfResidual).toBe(false); // channels first: linear, no residual
    expect(mdxLayout(fakeExec('cuda', 'f16', none), cfg()).fusedTdfResidual).toBe(false); // no variants listed
  });

  it("takes the block's tfc2(x) + shortcut into the conv in either layout, where conv2d has the residual input", () => {
    const ex = fakeExec('cpu', 'f32', none);
    expect(mdxLayout(ex, cfg()).fusedConvResidual).toBe(false);
    Object.assign(ex.backend, { variants: { conv2d: ['residual'] } });
    expect(mdxLayout(ex, cfg()).fusedConvResidual).toBe(true);
    expect(mdxLayout(ex, cfg()).fusedTdfResidual).toBe(false); // channels first: no matmul residual
  });

  it('rejects an unknown layout naming the parameter and the allowed values', () => {
    expect(() => resolveMdx({ layout: 'nhwc' })).toThrow(/params\.layout: expected 'auto' \| 'channels_first' \| 'channels_last', got 'nhwc'/);
  });
});
