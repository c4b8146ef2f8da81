export { PythonWorkerBackend, type WorkerBackendOptions } from './worker-backend';
export { probeFramework, workerProblem, workerPython, clearProbeCache, WORKER_PYTHON_DIR, type WorkerFramework, type ProbeReport } from './python';
export { encodeFrame, decodeFrame, FrameReader, FRAME_REQUEST, FRAME_REPLY, FRAME_ERROR } from './protocol';
