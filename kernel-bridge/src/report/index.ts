export { renderReport, renderReportDocument, escapeHtml, jsonForScript, inlineableScript, sortComparisonRows, type Sha256Base64 } from './html';
export { reportFigures, type ReportInput, type ReportFigure } from './figures';
export { gatherReport, writeReport, chooseBaseline, type GatherOptions, type BaselineChoice } from './build-report';
export { plotlySource, plotlyBundlePath, plotlyVersion } from './plotly-source';
