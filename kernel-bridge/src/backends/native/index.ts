export { NativeBackend, floatStorage } from './native-backend';
export { addon, addonLoadProblem } from './addon';
