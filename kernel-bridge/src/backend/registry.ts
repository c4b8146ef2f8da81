/**
 * Backends by id. Each entry says whether it can run here and, if not, why; `getBackend`
 * creates (once) and returns a ready backend or throws that reason.
 */
import { AbwError } from '../errors';
import { NativeBackend } from '../backends/native/native-backend';
import { addon, addonLoadProblem } from '../backends/native/addon';
import { CudaBackend, cudaProblem } from '../backends/native/cuda-backend';
import { OrtBackend, ortEpProblem, ortLoadProblem, type OrtEp } from '../backends/ort/ort-backend';
import { WebGpuBackend } from '../backends/webgpu/webgpu-backend';
import { webgpuProblem } from '../backends/webgpu/dawn';
import { PythonWorkerBackend, workerProblem } from '../backends/python-worker';
import type { ComputeBackend } from './types';

export interface BackendEntry {
  readonly id: string;
  readonly summary: string;
  /** Test-only (the fault backend): listed only where available, never chosen by default. */
  readonly testOnly?: boolean;
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
  {
    id: 'fault',
    summary: 'TEST ONLY: native fault ops (crash, hang, leak, exhaust) of an ABW_FAULT_OPS build',
    testOnly: true,
    probe: () => {
      const problem = addonLoadProblem();
      if (problem) return problem;
      return addon().buildInfo().faultOps
        ? undefined
        : 'built without ABW_FAULT_OPS (test-only; `npm run build:fault --workspace @abw/native`, then ABW_NATIVE_BUILD=native/build-fault/Release)';
    },
    create: () => new NativeBackend('fault'),
  },
  {
    id: 'ort:cpu',
    summary: 'onnxruntime-node, CPU execution provider: each op a tiny ONNX graph (opset 17); f32, int8 for ternary_matmul; host timer incl. the JS→runtime call',
    probe: ortLoadProblem,
    create: () => new OrtBackend('cpu'),
  },
  ...(
    [
      ['torch', 'cpu', 'PyTorch on the CPU'],
      ['torch', 'cuda', 'PyTorch on CUDA (cuBLAS/cuDNN/cuFFT; tf32 rows set the TF32 flags); timed with torch.cuda.Event'],
      ['torch', 'mps', 'PyTorch on Apple GPUs (Metal Performance Shaders); timed with torch.mps.synchronize'],
      ['mlx', 'cpu', 'MLX on the CPU (mlx[cpu] on Linux); stft composed from framing + rfft'],
      ['mlx', 'gpu', 'MLX on the GPU (Metal on macOS, CUDA with mlx[cuda]); timed with mx.eval + mx.synchronize'],
    ] as const
  ).map(
    ([framework, device, what]): BackendEntry => ({
      id: `${framework}:${device}`,
      summary: `Python worker (ABW_PYTHON / --python): ${what}; timing inside the worker`,
      probe: () => workerProblem(framework, device),
      create: () => new PythonWorkerBackend(framework, device),
    }),
  ),
  {
    id: 'cuda',
    summary: 'native CUDA: cuBLASLt (f32, tf32, f16, bf16 with f32 accumulation), cuDNN, cuFFT and fused kernels; CUDA-event device timer, caching device allocator',
    probe: cudaProblem,
    create: () => new CudaBackend(),
  },
  {
    id: 'webgpu',
    summary:
      'Dawn (webgpu npm package): WGSL kernels on Vulkan / Metal / D3D12; high-performance adapter (ABW_WEBGPU_ADAPTER=<name> picks one); f32, f16 with shader-f16, int8; timestamp-query timer where the adapter has it',
    probe: () => webgpuProblem(),
    create: () => new WebGpuBackend(),
  },
  ...(['cuda', 'coreml', 'dml'] as const).map(
    (ep: OrtEp): BackendEntry => ({
      id: `ort:${ep}`,
      summary: `onnxruntime-node, ${ep} execution provider (where the installed runtime has it)`,
      probe: () => ortEpProblem(ep),
      create: () => new OrtBackend(ep),
    }),
  ),
];

const instances = new Map<string, ComputeBackend>();

export function backendEntries(): readonly BackendEntry[] {
  return ENTRIES;
}

export interface BackendListing {
  readonly id: string;
  readonly available: boolean;
  readonly reason?: string;
  readonly summary: string;
  readonly testOnly?: boolean;
}

/**
 * Every backend with its availability. Test-only backends (fault) are left out unless they are
 * available (an ABW_FAULT_OPS build) or `includeTestOnly` is set.
 */
export function listBackends(options: { includeTestOnly?: boolean } = {}): BackendListing[] {
  const out: BackendListing[] = [];
  for (const e of ENTRIES) {
    const reason = e.probe();
    if (e.testOnly && reason && !options.includeTestOnly) continue;
    out.push({
      id: e.id,
      available: !reason,
      ...(reason ? { reason } : {}),
      summary: e.summary,
      ...(e.testOnly ? { testOnly: true } : {}),
    });
  }
  return out;
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
