export { NativeBackend, floatStorage } from './native-backend';
export { addon, addonLoadProblem } from './addon';
export { CudaBackend, cudaProblem, type CudaBackendOptions, type CudaDeviceInfo, type CudaMemoryStats } from './cuda-backend';
