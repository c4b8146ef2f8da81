/**
 * The five notebooks, executed headlessly (nbclient, the tslab kernel, a per-cell time limit),
 * fail on any cell error; their outputs carry the expected MIME types and well-formed plotly
 * figures; a matrix run's progress is one output updated in place; `abw notebook share` adds the
 * HTML, text and PNG fallbacks, and the nbconvert HTML export of the shared copy draws every
 * plot in headless Chromium.
 *
 * Needs the project's .venv (scripts/lab-env.sh): without it the suite is skipped with the
 * reason printed. Runs write to a scratch results directory (ABW_RESULTS_DIR), never results/.
 * Executed notebooks, shared copies and their HTML go to test-artifacts/notebooks/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RunFile } from '../../kernel-bridge/src/results/record';
import { listRuns } from '../../kernel-bridge/src/results/store';
import { MIME_COMPARISON, MIME_PLOTLY, MIME_RESULTS } from '../../kernel-bridge/src/notebook/mime';
import {
  ARTIFACTS,
  CHROMIUM,
  displayOutputs,
  executeNotebook,
  HAVE_CHROMIUM,
  HAVE_VENV,
  installKernel,
  run,
  NO_VENV_REASON,
  ROOT,
  scratchResults,
  textOf,
  VENV,
  type Executed,
  type Notebook,
} from './helpers';

if (!HAVE_VENV) console.warn(`[notebooks.test] SKIPPED: ${NO_VENV_REASON}`);

const NOTEBOOKS = ['01-quickstart', '02-op-precision', '03-scaling', '04-pipelines-rtf', '05-compare-machines'] as const;
const ABW = path.join(ROOT, 'kernel-bridge', 'bin', 'abw.js');
const OTHER_MACHINE = 'darwin-arm64-apple-m3-8c-16g';

/** What each notebook must show, at least: MIME type → count. */
const EXPECTED: Record<(typeof NOTEBOOKS)[number], Record<string, number>> = {
  '01-quickstart': { [MIME_PLOTLY]: 2, [MIME_RESULTS]: 1, 'text/html': 3 },
  '02-op-precision': { [MIME_PLOTLY]: 1, 'text/html': 4 },
  '03-scaling': { [MIME_PLOTLY]: 3, 'text/html': 2 },
  '04-pipelines-rtf': { [MIME_PLOTLY]: 2, 'text/html': 2 },
  '05-compare-machines': { [MIME_PLOTLY]: 3, [MIME_RESULTS]: 1, [MIME_COMPARISON]: 1, 'text/html': 2 },
};

/**
 * Colleagues' results, for the cross-machine notebook: the newest committed default run,
 * relabelled as another machine and with every time scaled (a fixture, not a measurement).
 */
function addOtherMachine(resultsDir: string): void {
  const runs = listRuns(resultsDir).filter((r) => r.machine !== OTHER_MACHINE);
  const last = runs[runs.length - 1];
  if (!last) throw new Error(`no committed run under ${resultsDir}/runs`);
  const run = JSON.parse(fs.readFileSync(last.file, 'utf8')) as RunFile;
  const scale = (ns: number) => ns * 0.6;
  const other: RunFile = {
    ...run,
    run: { ...run.run, id: '2026-11-20T09-00-00Z-0ther', machine: { ...run.run.machine, key: OTHER_MACHINE, cpu: { model: 'Apple M3', cores: 8, logicalCores: 8 } } },
    records: run.records.map((r) =>
      r.timing
        ? {
            ...r,
            timing: {
              ...r.timing,
              samplesNs: r.timing.samplesNs.map(scale),
              stats: { ...r.timing.stats, median: scale(r.timing.stats.median), ciLow: scale(r.timing.stats.ciLow), ciHigh: scale(r.timing.stats.ciHigh), mean: scale(r.timing.stats.mean) },
            },
          }
        : r,
    ),
  };
  const dir = path.join(resultsDir, 'runs', OTHER_MACHINE);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${other.run.id}.json`), JSON.stringify(other));
}

function isPlotlyFigure(x: unknown): boolean {
  if (typeof x !== 'object' || x === null) return false;
  const f = x as { data?: unknown; layout?: unknown };
  if (!Array.isArray(f.data) || typeof f.layout !== 'object' || f.layout === null || Array.isArray(f.layout)) return false;
  return f.data.every((t) => typeof t === 'object' && t !== null && typeof (t as { type?: unknown }).type === 'string');
}

describe.skipIf(!HAVE_VENV)('notebooks, executed headlessly with the tslab kernel', () => {
  let work: string;
  let env: NodeJS.ProcessEnv;
  const executed = new Map<string, Executed>();

  beforeAll(() => {
    if (!fs.existsSync(path.join(ROOT, 'kernel-bridge', 'dist', 'index.d.ts'))) throw new Error('kernel-bridge/dist is missing: run `npm run build:ts` first');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-nb-'));
    const kernel = installKernel(path.join(work, 'jupyter'));
    const results = scratchResults();
    addOtherMachine(results);
    // cpu and ort:cpu only: a software Vulkan device (CI) makes webgpu runs minutes long.
    env = { ...kernel.env, ABW_RESULTS_DIR: results, ABW_NOTEBOOK_BACKENDS: 'cpu,ort:cpu' };
  });

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it.each(NOTEBOOKS)('%s runs cell by cell without an error', async (name) => {
    const ex = await executeNotebook(path.join(ROOT, 'notebooks', `${name}.ipynb`), env, ARTIFACTS);
    executed.set(name, ex);
    const failed = ex.report.cells.filter((c) => c.status !== 'ok' || c.reply !== 'ok');
    expect(ex.report.failure, `${ex.report.failure}\n${ex.stderr}`).toBeNull();
    expect(failed).toEqual([]);
    expect(ex.exitCode).toBe(0);
    // No cell writes to stderr (tslab prints failures and type errors there).
    expect(ex.report.cells.map((c) => c.stderr).join('')).toBe('');
  }, 600_000);

  it.each(NOTEBOOKS)('%s shows the expected MIME types, with well-formed figures', (name) => {
    const ex = executed.get(name);
    expect(ex, 'the notebook did not run').toBeDefined();
    const outputs = displayOutputs(ex!.notebook);
    for (const [mime, atLeast] of Object.entries(EXPECTED[name])) {
      expect(outputs.filter((o) => mime in o.data).length, `${name}: ${mime}`).toBeGreaterThanOrEqual(atLeast);
    }
    // tslab sends one MIME type per output.
    for (const o of outputs) expect(Object.keys(o.data)).toHaveLength(1);
    for (const o of outputs.filter((x) => MIME_PLOTLY in x.data)) expect(isPlotlyFigure(o.data[MIME_PLOTLY])).toBe(true);
    for (const o of outputs.filter((x) => MIME_RESULTS in x.data)) {
      const p = o.data[MIME_RESULTS] as { version: number; runs: RunFile[] };
      expect(p.version).toBe(1);
      expect(p.runs.length).toBeGreaterThan(0);
      expect(p.runs.every((r) => r.schema === 'abw.run')).toBe(true);
    }
  });

  it('draws a matrix run\'s progress as one output updated in place, ending on the final state', () => {
    const nb = executed.get('01-quickstart')!.notebook;
    const cell = nb.cells.find((c) => c.cell_type === 'code' && textOf(c.source).includes('runMatrixLive'))!;
    const progress = (cell.outputs ?? []).filter((o) => textOf(o.data?.['text/html']).includes('abw-progress'));
    expect(progress).toHaveLength(1);
    const html = textOf(progress[0]!.data!['text/html']);
    const total = Number(/data-total="(\d+)"/.exec(html)?.[1]);
    expect(total).toBeGreaterThan(40);
    expect(html).toContain(`data-done="${total}"`);
    expect(html).toContain('data-finished="true"');
  });

  it('the cross-machine notebook sees both machines and compares with the baseline', () => {
    const nb = executed.get('05-compare-machines')!.notebook;
    const html = displayOutputs(nb).map((o) => textOf(o.data['text/html'])).join('\n');
    expect(html).toContain(OTHER_MACHINE);
    const cross = displayOutputs(nb).find((o) => MIME_PLOTLY in o.data && JSON.stringify(o.data[MIME_PLOTLY]).includes('across machines'));
    expect(cross).toBeDefined();
    const names = (cross!.data[MIME_PLOTLY] as { data: { name?: string }[] }).data.map((t) => t.name ?? '');
    expect(names.some((n) => n.includes(OTHER_MACHINE))).toBe(true);
  });

  describe('abw notebook share', () => {
    const shared = new Map<string, Notebook>();

    it('adds text/html, text/plain and image/png to every workbench output, plotly.js once', async () => {
      for (const name of NOTEBOOKS) {
        const ex = executed.get(name);
        expect(ex, `${name} did not run`).toBeDefined();
        const out = path.join(ARTIFACTS, `${name}.shared.ipynb`);
        const r = await run(process.execPath, [ABW, 'notebook', 'share', ex!.file, '-o', out], { ...process.env, ABW_CHROMIUM: CHROMIUM });
        expect(r.code, r.stderr).toBe(0);
        expect(r.stderr).toBe('');
        expect(r.stdout).toContain('now carry text/html and text/plain');
        const nb = JSON.parse(fs.readFileSync(out, 'utf8')) as Notebook;
        shared.set(name, nb);
        const workbench = displayOutputs(nb).filter((o) => [MIME_PLOTLY, MIME_RESULTS, MIME_COMPARISON].some((m) => m in o.data));
        expect(workbench.length).toBeGreaterThan(0);
        for (const o of workbench) {
          expect(typeof o.data['text/html']).toBe('string');
          expect(textOf(o.data['text/plain']).length).toBeGreaterThan(0);
          if (HAVE_CHROMIUM) expect(Buffer.from(textOf(o.data['image/png']), 'base64').subarray(1, 4).toString()).toBe('PNG');
        }
        const bundles = displayOutputs(nb).filter((o) => textOf(o.data['text/html']).includes('data-abw-plotly')).length;
        const figures = workbench.filter((o) => MIME_PLOTLY in o.data).length;
        expect(bundles).toBe(figures > 0 ? 1 : 0);
      }
    }, 300_000);

    it.skipIf(!HAVE_CHROMIUM)('its nbconvert HTML export draws every plot in headless Chromium', async () => {
      const { chromium } = await import('playwright-core');
      const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-nb-chromium-'));
      const context = await chromium.launchPersistentContext(userDataDir, {
        executablePath: CHROMIUM,
        headless: true,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
        offline: true,
      });
      try {
        for (const name of ['01-quickstart', '05-compare-machines'] as const) {
          const nb = shared.get(name);
          expect(nb, `${name} was not shared`).toBeDefined();
          const figures = displayOutputs(nb!).filter((o) => MIME_PLOTLY in o.data).length;
          const conv = await run(path.join(VENV, 'bin', 'jupyter'), ['nbconvert', '--to', 'html', path.join(ARTIFACTS, `${name}.shared.ipynb`), '--output-dir', ARTIFACTS]);
          expect(conv.code, conv.stderr).toBe(0);
          const page = await context.newPage();
          const errors: string[] = [];
          page.on('pageerror', (e) => errors.push(e.message));
          await page.goto(`file://${path.join(ARTIFACTS, `${name}.shared.html`)}`);
          await page.waitForFunction((n) => document.querySelectorAll('.abw-plot[data-abw-drawn], .abw-plot[data-abw-failed]').length >= n, figures, { timeout: 60_000 });
          expect(await page.locator('.abw-plot[data-abw-failed]').count()).toBe(0);
          expect(await page.locator('.abw-plot[data-abw-drawn] .main-svg').count()).toBeGreaterThanOrEqual(figures);
          expect(await page.locator('.abw-plot').count()).toBe(figures);
          expect(errors).toEqual([]);
          await page.screenshot({ path: path.join(ARTIFACTS, `${name}.shared.png`), fullPage: false });
          await page.close();
        }
      } finally {
        await context.close();
        fs.rmSync(userDataDir, { recursive: true, force: true });
      }
    }, 300_000);
  });
});
