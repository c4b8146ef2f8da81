export * from './types';
export { getBackend, listBackends, backendEntries, disposeBackends } from './registry';
export { runOp } from './run-op';
