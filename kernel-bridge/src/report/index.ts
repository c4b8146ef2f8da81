export { renderReport, escapeHtml, jsonForScript, inlineableScript, sortComparisonRows } from './html';
export { reportFigures, type ReportInput, type ReportFigure } from './figures';
export { gatherReport, writeReport, chooseBaseline, type GatherOptions, type BaselineChoice } from './build-report';
export { plotlySource, plotlyBundlePath, plotlyVersion } from './plotly-source';
