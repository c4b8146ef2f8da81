export { OrtBackend, ortEpProblem, ortExecutionProviders, ortLoadProblem, type OrtEp } from './ort-backend';
