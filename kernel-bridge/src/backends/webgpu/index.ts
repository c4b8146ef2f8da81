export { WebGpuBackend, type WebGpuOptions } from './webgpu-backend';
export { webgpuProblem, probeAdapter, type AdapterChoice } from './dawn';
