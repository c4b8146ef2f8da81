/** What a graph builder gets: the builder, the graph's input names, shapes and canonical params. */
import type { Params } from '../../../ops/types';
import type { Shape } from '../../../tensor';
import type { Elem, GraphBuilder } from '../onnx-proto';

export interface GraphCtx {
  readonly g: GraphBuilder;
  /** Graph input names, null for an omitted optional input. */
  readonly ins: readonly (string | null)[];
  readonly shapes: readonly (Shape | null)[];
  /** Canonical (native) params from the op's plan (docs/ops.md). */
  readonly p: Params;
  readonly outShapes: readonly Shape[];
  /** ONNX element type of float tensors in this case. */
  readonly elem: Elem;
}

export interface OpGraph {
  /** Builds the graph body; returns the value names of the op's outputs, in order. */
  build(c: GraphCtx): string[];
  /** Why these canonical params cannot be expressed (undefined: they can). */
  unsupported?(p: Params): string | undefined;
  /** Lowest opset the graph needs (default 17). */
  readonly opset?: number;
}

export type Family = Readonly<Record<string, OpGraph>>;

export function req(c: GraphCtx, i: number): string {
  const v = c.ins[i];
  if (!v) throw new Error(`graph input ${i} is required`);
  return v;
}

export function shapeOf(c: GraphCtx, i: number): Shape {
  const s = c.shapes[i];
  if (!s) throw new Error(`graph input ${i} has no shape`);
  return s;
}

export const num = (p: Params, k: string): number => p[k] as number;
export const nums = (p: Params, k: string): number[] => p[k] as number[];
export const flag = (p: Params, k: string): boolean => p[k] === true;
