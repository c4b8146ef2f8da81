/**
 * The shareable report (docs/report.md) for `abw report`: html-document.ts renders it; this
 * module supplies Node's SHA-256 for the Content-Security-Policy hashes. The plotly.js source
 * comes in as an argument (plotly-source.ts reads it).
 */
import { createHash } from 'node:crypto';
import type { ReportInput } from './figures';
import { renderReportDocument } from './html-document';

export { escapeHtml, jsonForScript, inlineableScript, sortComparisonRows, renderReportDocument, type Sha256Base64 } from './html-document';

function sha256Base64(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('base64');
}

/** The whole report as one HTML document. */
export function renderReport(input: ReportInput, plotlyJs: string): string {
  return renderReportDocument(input, plotlyJs, sha256Base64);
}
