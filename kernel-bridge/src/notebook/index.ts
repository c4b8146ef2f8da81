/**
 * Notebook helpers for the tslab kernel: `show` and friends (one MIME type per output), live
 * matrix progress updated in place, single-case runs, and the `abw notebook share` transform.
 */
export { MIME_PLOTLY, MIME_FIGURE, MIME_RESULTS, MIME_COMPARISON, MIME_PAYLOAD_VERSION, type FigurePayload, type ResultsPayload, type ComparisonPayload } from './mime';
export { bindDisplay, useTslab, displayTarget, type DisplayTarget, type DisplayOutput, type TslabPublic } from './display-target';
export {
  show,
  showFigure,
  showResults,
  showComparison,
  showComparisonTable,
  showTable,
  showSummary,
  note,
  isFigure,
  isRunFile,
  isComparison,
  type Showable,
  type TableLike,
  type NoteLevel,
} from './show';
export { htmlTable, textTable, type Row, type Cell, type TableOptions } from './html-table';
export { summaryRows, comparisonRows, runHeadline, comparisonHeadline } from './summary-rows';
export { resultsPayload, comparisonPayload, figurePayload, type ResultsPayloadOptions } from './payloads';
export { LiveProgress, progressHtml, progressText, type ProgressState, type LiveProgressOptions } from './live-progress';
export { runMatrixLive, requireBackends, candidateBackends, NOTEBOOK_BACKENDS_ENV, type LiveRunOptions } from './run-matrix-live';
export { runCase, CASE_MEASURE, type CaseRequest } from './run-case';
export { probePipelines, PIPELINES_UNAVAILABLE, type PipelinesProbe } from './pipelines-probe';
