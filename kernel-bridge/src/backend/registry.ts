/**
 * Backends by id. Each entry says whether it can run here and, if not, why; `getBackend`
 * creates (once) and returns a ready backend or throws that reason.
 */
import { AbwError } from '../errors';
import { NativeBackend } from '../backends/native/native-backend';
import { addonLoadProblem } from '../backends/native/addon';
import type { ComputeBackend } from './types';

export interface BackendEntry {
  readonly id: string;
  readonly summary: string;
  /** undefined when available, else the reason. */
  probe(): string | undefined;
  create(): ComputeBackend;
}

const ENTRIES: BackendEntry[] = [
  {
    id: 'ref',
    summary: 'FP64 oracle: plain C++ loops, obviously correct, never optimised',
    probe: addonLoadProblem,
    create: () => new NativeBackend('ref'),
  },
  {
    id: 'cpu',
    summary: 'native CPU: BLAS (OpenBLAS / Accelerate) and FFT (FFTW) libraries found at build, threads; f32, f16/bf16 storage, int8',
    probe: addonLoadProblem,
    create: () => new NativeBackend('cpu'),
  },
];

const instances = new Map<string, ComputeBackend>();

export function backendEntries(): readonly BackendEntry[] {
  return ENTRIES;
}

export function listBackends(): { id: string; available: boolean; reason?: string; summary: string }[] {
  return ENTRIES.map((e) => {
    const reason = e.probe();
    return reason ? { id: e.id, available: false, reason, summary: e.summary } : { id: e.id, available: true, summary: e.summary };
  });
}

export function getBackend(id: string): ComputeBackend {
  const existing = instances.get(id);
  if (existing) return existing;
  const entry = ENTRIES.find((e) => e.id === id);
  if (!entry) {
    throw new AbwError('ABW_EINVAL', `backend: unknown backend "${id}"; known: ${ENTRIES.map((e) => e.id).join(', ')}`, 'backend');
  }
  const reason = entry.probe();
  if (reason) throw new AbwError('ABW_EUNSUPPORTED', `backend ${id} is unavailable: ${reason}`, 'backend');
  const b = entry.create();
  instances.set(id, b);
  return b;
}

/** Dispose every created backend (tests, end of a run). */
export function disposeBackends(): void {
  for (const b of instances.values()) b.dispose();
  instances.clear();
}
