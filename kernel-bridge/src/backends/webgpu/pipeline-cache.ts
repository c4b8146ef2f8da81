/**
 * Compiled compute pipelines by source, so a prepared call, a repeat of the same case and the
 * timed loop never compile again. Each entry carries the shader's compilation check
 * (`getCompilationInfo` plus a validation error scope): an error in generated WGSL becomes an
 * AbwError naming the pass and Dawn's messages with line numbers, not a silent invalid pipeline.
 */
import { AbwError } from '../../errors';
import type { GPUDeviceLike } from './dawn';
import type { Binding } from './kernel-types';

export interface CachedPipeline {
  /* eslint-disable @typescript-eslint/no-explicit-any */
  readonly pipeline: any;
  readonly layout: any;
  /* eslint-enable @typescript-eslint/no-explicit-any */
  /** Resolves once the shader compiled and the pipeline validated; rejects with the reason. */
  readonly checked: Promise<void>;
}

const LIMIT = 512;

export class PipelineCache {
  private readonly entries = new Map<string, CachedPipeline>();
  compiled = 0;

  constructor(private readonly device: GPUDeviceLike) {}

  get size(): number {
    return this.entries.size;
  }

  get(label: string, source: string, bindings: readonly Binding[], uniform: boolean): CachedPipeline {
    const key = `${uniform ? 'U' : ''}${bindings.map((b) => (b.write ? 'w' : 'r')).join('')}\n${source}`;
    const hit = this.entries.get(key);
    if (hit) return hit;
    if (this.entries.size >= LIMIT) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    const d = this.device;
    const entries = bindings.map((b, i) => ({
      binding: i,
      visibility: 4 /* GPUShaderStage.COMPUTE */,
      buffer: { type: b.write ? 'storage' : 'read-only-storage' },
    }));
    if (uniform) entries.push({ binding: bindings.length, visibility: 4, buffer: { type: 'uniform' } });
    d.pushErrorScope('validation');
    const module = d.createShaderModule({ label, code: source });
    const layout = d.createBindGroupLayout({ label, entries });
    const pipeline = d.createComputePipeline({
      label,
      layout: d.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: 'main' },
    });
    const scope: Promise<{ message: string } | null> = d.popErrorScope();
    this.compiled++;
    const checked = (async () => {
      const info = await module.getCompilationInfo();
      const errors = (info.messages as { type: string; message: string; lineNum: number; linePos: number }[]).filter((m) => m.type === 'error');
      const err = await scope;
      if (errors.length || err) {
        const lines = source.split('\n');
        const where = errors
          .slice(0, 3)
          .map((m) => `line ${m.lineNum}:${m.linePos}: ${m.message} | ${(lines[m.lineNum - 1] ?? '').trim()}`)
          .join('; ');
        throw new AbwError(
          'ABW_EINTERNAL',
          `webgpu: shader for ${label} does not compile: ${where || err?.message.split('\n')[0]}`,
        );
      }
    })();
    checked.catch(() => this.entries.delete(key));
    const entry: CachedPipeline = { pipeline, layout, checked };
    this.entries.set(key, entry);
    return entry;
  }

  clear(): void {
    this.entries.clear();
  }
}
