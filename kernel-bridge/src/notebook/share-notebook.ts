/**
 * `abw notebook share`: a copy of a notebook whose every workbench output (plotly figures and
 * `application/vnd.abw.*+json`) also carries `text/html` and `text/plain`, and `image/png` where
 * a renderer is given, so the notebook reads in nbconvert's HTML, nbviewer, GitHub and sites that
 * show only images. plotly.js goes into the HTML of the first figure only: later figures use
 * the page's `window.Plotly` (nbconvert and nbviewer put all outputs in one page, in order).
 *
 * The notebook is untrusted input: its structure is checked as far as it is used, each payload
 * is validated before anything is rendered from it, and an output that fails is left as it was
 * and reported, not fatal. Fallbacks of an earlier share are replaced, so sharing twice gives
 * the same file.
 */
import { AbwError } from '../errors';
import type { Figure } from '../plots/units';
import {
  checkComparisonPayload,
  checkFigure,
  checkFigurePayload,
  checkResultsPayload,
  comparisonHtml,
  comparisonText,
  figureHtml,
  figureText,
  plotlyScript,
  resultsHtml,
  resultsText,
} from './fallback-html';
import { MIME_COMPARISON, MIME_FIGURE, MIME_PLOTLY, MIME_RESULTS } from './mime';
import type { PngRenderer } from './png-renderer';

export const WORKBENCH_MIMES = [MIME_PLOTLY, MIME_FIGURE, MIME_RESULTS, MIME_COMPARISON] as const;

export interface ShareOptions {
  /** The plotly.js bundle (report/plotly-source.ts). */
  readonly plotlyJs: string;
  /** Renders `image/png`; absent: no PNGs (say why in `pngUnavailable`). */
  readonly png?: PngRenderer;
  readonly pngUnavailable?: string;
}

export interface SkippedOutput {
  readonly cell: number;
  readonly output: number;
  readonly mime: string;
  readonly reason: string;
}

export interface ShareReport {
  readonly figures: number;
  readonly results: number;
  readonly comparisons: number;
  readonly pngs: number;
  readonly skipped: readonly SkippedOutput[];
  readonly pngUnavailable?: string;
}

type Json = Record<string, unknown>;

function isObject(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function checkNotebook(nb: unknown): { cells: Json[] } {
  if (!isObject(nb)) throw new AbwError('ABW_ESCHEMA', 'notebook: the file is not a JSON object', '(top level)');
  if (nb.nbformat !== 4) throw new AbwError('ABW_ESCHEMA', `notebook: nbformat must be 4, got ${JSON.stringify(nb.nbformat)}`, 'nbformat');
  if (!Array.isArray(nb.cells)) throw new AbwError('ABW_ESCHEMA', 'notebook: cells must be an array', 'cells');
  return nb as { cells: Json[] };
}

interface Fallback {
  readonly html: string;
  readonly text: string;
  readonly png: () => Promise<Buffer>;
}

/**
 * What to add for one output's data: the fallbacks, or undefined when it holds no workbench
 * MIME type. `figureIndex` numbers the figures (div ids) and tells which one carries plotly.js.
 */
function fallbackFor(data: Json, figureIndex: number, options: ShareOptions): { kind: 'figure' | 'results' | 'comparison'; mime: string; make: () => Fallback } | undefined {
  const png = options.png;
  const figure = (f: Figure, mime: string, caption?: string) => ({
    kind: 'figure' as const,
    mime,
    make: (): Fallback => ({
      html: (figureIndex === 0 ? plotlyScript(options.plotlyJs) : '') + figureHtml(f, figureIndex, caption),
      text: figureText(f, caption),
      png: () => png!.figure(f),
    }),
  });
  if (MIME_PLOTLY in data) return figure(checkFigure(data[MIME_PLOTLY], MIME_PLOTLY), MIME_PLOTLY);
  if (MIME_FIGURE in data) {
    const p = checkFigurePayload(data[MIME_FIGURE]);
    return figure(p.figure, MIME_FIGURE, p.caption);
  }
  if (MIME_RESULTS in data) {
    const p = checkResultsPayload(data[MIME_RESULTS]);
    const html = resultsHtml(p);
    return { kind: 'results', mime: MIME_RESULTS, make: () => ({ html, text: resultsText(p), png: () => png!.html(html) }) };
  }
  if (MIME_COMPARISON in data) {
    const p = checkComparisonPayload(data[MIME_COMPARISON]);
    const html = comparisonHtml(p.comparison);
    return { kind: 'comparison', mime: MIME_COMPARISON, make: () => ({ html, text: comparisonText(p.comparison), png: () => png!.html(html) }) };
  }
  return undefined;
}

/** Returns the shared copy (the input is not modified) and what was done. */
export async function shareNotebook(input: unknown, options: ShareOptions): Promise<{ notebook: unknown; report: ShareReport }> {
  const nb = checkNotebook(structuredClone(input));
  const counts = { figures: 0, results: 0, comparisons: 0, pngs: 0 };
  const skipped: SkippedOutput[] = [];
  for (const [ci, cell] of nb.cells.entries()) {
    if (!isObject(cell) || cell.cell_type !== 'code' || !Array.isArray(cell.outputs)) continue;
    for (const [oi, output] of (cell.outputs as unknown[]).entries()) {
      if (!isObject(output) || (output.output_type !== 'display_data' && output.output_type !== 'execute_result') || !isObject(output.data)) continue;
      const data = output.data;
      const mime = WORKBENCH_MIMES.find((m) => m in data);
      if (!mime) continue;
      let fb: Fallback;
      let kind: 'figure' | 'results' | 'comparison';
      try {
        const found = fallbackFor(data, counts.figures, options);
        if (!found) continue;
        kind = found.kind;
        fb = found.make();
      } catch (e) {
        skipped.push({ cell: ci, output: oi, mime, reason: (e as Error).message.slice(0, 300) });
        continue;
      }
      data['text/html'] = fb.html;
      data['text/plain'] = fb.text;
      delete data['image/png'];
      if (options.png) {
        try {
          data['image/png'] = (await fb.png()).toString('base64');
          counts.pngs++;
        } catch (e) {
          skipped.push({ cell: ci, output: oi, mime: 'image/png', reason: `PNG not rendered: ${(e as Error).message.split('\n')[0]}` });
        }
      }
      if (kind === 'figure') counts.figures++;
      else if (kind === 'results') counts.results++;
      else counts.comparisons++;
    }
  }
  return { notebook: nb, report: { ...counts, skipped, ...(options.pngUnavailable ? { pngUnavailable: options.pngUnavailable } : {}) } };
}
