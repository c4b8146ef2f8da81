/**
 * `abw notebook share IN.ipynb [-o OUT.ipynb] [--no-png]`: writes a copy of a notebook whose
 * workbench outputs also carry HTML, text and PNG fallbacks (notebook/share-notebook.ts), for
 * readers without the workbench's JupyterLab extension: nbconvert, nbviewer, GitHub.
 */
import * as path from 'node:path';
import { openPngRenderer, type PngRenderer } from '../notebook/png-renderer';
import { shareNotebook } from '../notebook/share-notebook';
import { plotlySource } from '../report/plotly-source';
import { readLimitedText } from '../results/read-run';
import { parseUntrustedJson } from '../results/safe-json';
import { writeFileAtomicSync } from '../results/write-run';
import { flagsHelp, parseFlags, stringFlag, UsageError, type Flags } from './args';
import type { Io } from './io';

/** Largest notebook read: executed notebooks with inline images reach tens of MB, not GB. */
export const MAX_NOTEBOOK_BYTES = 512 * 2 ** 20;

export const NOTEBOOK_FLAGS: Flags = {
  out: { type: 'string', short: 'o', value: 'OUT', doc: 'where to write the shared copy (default: IN with .shared.ipynb)' },
  'no-png': { type: 'boolean', doc: 'no image/png renders (no headless Chromium needed)' },
  help: { type: 'boolean', short: 'h', doc: 'show this help' },
};

export const NOTEBOOK_HELP = `usage: abw notebook share IN.ipynb [-o OUT.ipynb] [--no-png]

Writes a copy of IN whose workbench outputs (plotly figures, application/vnd.abw.*+json results
and comparisons) also carry text/html (plotly.js inlined once per notebook), text/plain and,
where a headless Chromium is found (Debian's chromium, or ABW_CHROMIUM), image/png renders, so
the notebook reads in nbconvert HTML, nbviewer and sites that show only images. See docs/notebooks.md.

${flagsHelp(NOTEBOOK_FLAGS)}`;

export function defaultSharedPath(input: string): string {
  return input.endsWith('.ipynb') ? `${input.slice(0, -6)}.shared.ipynb` : `${input}.shared.ipynb`;
}

export async function notebookCommand(argv: readonly string[], io: Io): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === '--help' || sub === '-h' || sub === 'help') {
    io.out(`${NOTEBOOK_HELP}\n`);
    return sub === undefined ? 2 : 0;
  }
  if (sub !== 'share') throw new UsageError(`abw notebook: unknown subcommand "${sub}"; subcommands: share`);
  const { values, positionals } = parseFlags('notebook share', rest, NOTEBOOK_FLAGS, { maxPositionals: 1 });
  if (values.help) {
    io.out(`${NOTEBOOK_HELP}\n`);
    return 0;
  }
  const input = positionals[0];
  if (!input) throw new UsageError('abw notebook share: give the notebook to share (IN.ipynb)');
  const inFile = path.resolve(input);
  const outFile = path.resolve(stringFlag(values.out) ?? defaultSharedPath(input));

  const text = readLimitedText(inFile, MAX_NOTEBOOK_BYTES, 'notebook size');
  const notebook = parseUntrustedJson(text, inFile);
  const plotlyJs = plotlySource();

  let png: PngRenderer | undefined;
  let pngUnavailable: string | undefined;
  if (values['no-png'] === true) pngUnavailable = 'not asked for (--no-png)';
  else {
    const opened = await openPngRenderer(plotlyJs);
    if ('unavailable' in opened) pngUnavailable = opened.unavailable;
    else png = opened;
  }
  try {
    const { notebook: shared, report } = await shareNotebook(notebook, { plotlyJs, ...(png ? { png } : {}), ...(pngUnavailable ? { pngUnavailable } : {}) });
    // nbformat's own layout: one-space indent, a final newline.
    writeFileAtomicSync(outFile, `${JSON.stringify(shared, null, 1)}\n`);
    const total = report.figures + report.results + report.comparisons;
    io.out(
      `wrote ${outFile}: ${total} workbench output${total === 1 ? '' : 's'} (${report.figures} figure${report.figures === 1 ? '' : 's'}, ${report.results} result set${report.results === 1 ? '' : 's'}, ${report.comparisons} comparison${report.comparisons === 1 ? '' : 's'}) now carry text/html and text/plain; ` +
        (png ? `${report.pngs} image/png rendered with headless Chromium\n` : `no image/png: ${pngUnavailable}\n`),
    );
    for (const s of report.skipped) io.err(`abw notebook share: cell ${s.cell}, output ${s.output} (${s.mime}) left as it was: ${s.reason}\n`);
    return 0;
  } finally {
    await png?.close();
  }
}
