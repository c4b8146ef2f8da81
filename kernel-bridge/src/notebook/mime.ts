/**
 * The workbench's notebook MIME types and their payloads: the contract between the display
 * helpers (which emit them from a tslab kernel) and the JupyterLab extension (which renders them).
 * Payloads are plain JSON, versioned, and untrusted on the rendering side.
 */
import type { Figure } from '../plots/units';
import type { Comparison } from '../results/compare';
import type { RunFile } from '../results/record';

export const MIME_PLOTLY = 'application/vnd.plotly.v1+json';
export const MIME_FIGURE = 'application/vnd.abw.figure+json';
export const MIME_RESULTS = 'application/vnd.abw.results+json';
export const MIME_COMPARISON = 'application/vnd.abw.comparison+json';

export const MIME_PAYLOAD_VERSION = 1;

/** `application/vnd.abw.figure+json`: one plotly figure from a plot builder, with a caption. */
export interface FigurePayload {
  readonly version: typeof MIME_PAYLOAD_VERSION;
  readonly figure: Figure;
  readonly caption?: string;
}

/**
 * `application/vnd.abw.results+json`: one or more runs (schema `abw.run` v1, records possibly
 * trimmed of raw samples to keep notebooks small: `samplesTrimmed` says so), and optionally the
 * baseline they are shown against.
 */
export interface ResultsPayload {
  readonly version: typeof MIME_PAYLOAD_VERSION;
  readonly runs: readonly RunFile[];
  readonly baseline?: RunFile;
  readonly samplesTrimmed?: boolean;
}

/** `application/vnd.abw.comparison+json`: the output of `compareRuns`. */
export interface ComparisonPayload {
  readonly version: typeof MIME_PAYLOAD_VERSION;
  readonly comparison: Comparison;
}
