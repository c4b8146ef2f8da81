/**
 * The JupyterLab extension end to end: a real JupyterLab 4 from the project's venv (.venv/) on
 * 127.0.0.1 (random port, token, a temporary root folder holding copies of the stored results)
 * and headless Chromium (Debian's `chromium`) driven by playwright-core.
 *  - the results dashboard: open a stored run through the file browser's "Open With", see the
 *    summary and plots, switch the baseline, filter, sort, open a case; light/dark theme;
 *  - hostile and broken files: nothing from a file runs; invalid files get a readable error;
 *  - export report: the same document `abw report` writes for the same inputs;
 *  - the notebook: 01-quickstart runs on the tslab kernel and its plots render.
 * Screenshots go to test-artifacts/ (git-ignored). Skipped, with the reason printed, only when
 * .venv/ or chromium is missing; the extension must be installed into .venv
 * (`bash extension/install-into-env.sh .venv`).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';

import { gatherReport } from '../../kernel-bridge/src/report/build-report';
import { renderReport } from '../../kernel-bridge/src/report/html';
import { plotlySource } from '../../kernel-bridge/src/report/plotly-source';
import type { ResultRecord, RunFile } from '../../kernel-bridge/src/results/record';
import { getBackend } from '../../kernel-bridge/src/backend/registry';
import { runMatrix } from '../../kernel-bridge/src/matrix/runner';
import { parseMatrixSpec } from '../../kernel-bridge/src/matrix/spec';

const ROOT = path.resolve(__dirname, '..', '..');
const VENV = path.join(ROOT, '.venv');
const JUPYTER = path.join(VENV, 'bin', 'jupyter');
const CHROMIUM = process.env.ABW_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const LABEXT = path.join(VENV, 'share', 'jupyter', 'labextensions', '@abw', 'jupyterlab-abw', 'package.json');
const TSLAB = path.join(ROOT, 'node_modules', '.bin', 'tslab');
const QUICKSTART = path.join(ROOT, 'notebooks', '01-quickstart.ipynb');

const missing = [!fs.existsSync(JUPYTER) && `${JUPYTER} (create the venv: bash scripts/lab-env.sh)`, !fs.existsSync(CHROMIUM) && `${CHROMIUM} (apt-get install -y chromium)`].filter(Boolean);
if (missing.length) console.warn(`[extension-lab.test] SKIPPED: missing ${missing.join(' and ')}`);

const EVIL = '<img src=x onerror=window.__pwned=1>';
const EVIL2 = '"><svg onload=window.__pwned=2>';
const OTHER_MACHINE = 'linux-x64-test-other-8c-32g';

/** The newest stored run and the pinned baseline of this checkout's machine. */
function storedRuns(): { machine: string; runs: string[]; baseline: string } {
  const baselines = fs.readdirSync(path.join(ROOT, 'results', 'baselines')).filter((f) => f.endsWith('.json'));
  const machine = baselines[0]!.replace(/\.json$/, '');
  const dir = path.join(ROOT, 'results', 'runs', machine);
  const runs = fs.readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.journal.json')).sort();
  return { machine, runs, baseline: `${machine}.json` };
}

/** A copy of `run` that looks like another machine where every timing was `factor` times as long. */
function scaledRun(run: RunFile, factor: number, machine: string, id: string): RunFile {
  const scale = (r: ResultRecord): ResultRecord => {
    if (!r.timing) return r;
    const s = r.timing.stats;
    const k = (x: number) => x * factor;
    return {
      ...r,
      timing: {
        ...r.timing,
        samplesNs: r.timing.samplesNs.map(k),
        stats: { ...s, median: k(s.median), mean: k(s.mean), stdev: k(s.stdev), mad: k(s.mad), iqr: k(s.iqr), min: k(s.min), max: k(s.max), p05: k(s.p05), p50: k(s.p50), p90: k(s.p90), p95: k(s.p95), p99: k(s.p99), ciLow: k(s.ciLow), ciHigh: k(s.ciHigh) },
      },
    };
  };
  return { ...run, run: { ...run.run, id, machine: { ...run.run.machine, key: machine } }, records: run.records.map(scale) };
}

function hostileRun(run: RunFile): RunFile {
  return {
    ...run,
    run: { ...run.run, id: '2026-11-21T00-00-00Z-evil', matrix: { name: EVIL, hash: EVIL2 }, backends: [EVIL2], machine: { ...run.run.machine, key: 'hostile-machine', cpu: { ...run.run.machine.cpu, model: EVIL } } },
    records: run.records.map((r, i) => ({ ...r, label: `${i % 2 ? EVIL : EVIL2} ${i}`, op: i % 3 === 0 ? EVIL : r.op, params: { ...r.params, note: EVIL } })),
  };
}

/** The temporary Jupyter root: results/ (runs of two machines, baseline, ceilings, matrices) and hostile/. */
function makeRoot(dir: string): { runPath: string; otherPath: string; baselinePath: string; machine: string } {
  const { machine, runs, baseline } = storedRuns();
  const results = path.join(dir, 'results');
  for (const sub of ['matrices', 'machines', 'baselines']) fs.cpSync(path.join(ROOT, 'results', sub), path.join(results, sub), { recursive: true });
  fs.mkdirSync(path.join(results, 'runs', machine), { recursive: true });
  for (const r of runs) fs.copyFileSync(path.join(ROOT, 'results', 'runs', machine, r), path.join(results, 'runs', machine, r));
  const newest = runs[runs.length - 1]!;
  const current = JSON.parse(fs.readFileSync(path.join(results, 'runs', machine, newest), 'utf8')) as RunFile;
  // A faster machine: against it, the stored run is a regression almost everywhere.
  fs.mkdirSync(path.join(results, 'runs', OTHER_MACHINE), { recursive: true });
  const otherName = '2026-11-20T00-00-00Z-fast.json';
  fs.writeFileSync(path.join(results, 'runs', OTHER_MACHINE, otherName), JSON.stringify(scaledRun(current, 0.5, OTHER_MACHINE, '2026-11-20T00-00-00Z-fast')));
  const hostile = path.join(dir, 'hostile', 'results', 'runs', 'hostile-machine');
  fs.mkdirSync(hostile, { recursive: true });
  fs.writeFileSync(path.join(hostile, '2026-11-21T00-00-00Z-evil.json'), JSON.stringify(hostileRun(current)));
  fs.writeFileSync(path.join(hostile, 'broken.json'), JSON.stringify(current).slice(0, 5000));
  fs.writeFileSync(path.join(hostile, 'not-a-run.json'), JSON.stringify({ schema: 'abw.run', schemaVersion: 1, run: { id: EVIL }, records: [{ label: EVIL }] }));
  // A copy, so that JupyterLab's autosave never writes into the project's notebooks; the
  // node_modules link lets the kernel resolve @abw/kernel-bridge from there.
  if (fs.existsSync(QUICKSTART)) fs.cpSync(path.join(ROOT, 'notebooks'), path.join(dir, 'notebooks'), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  writeFixtureNotebook(path.join(dir, 'fixture', 'abw-outputs.ipynb'), path.join(results, 'runs', machine, newest));
  return { runPath: `results/runs/${machine}/${newest}`, otherPath: `results/runs/${OTHER_MACHINE}/${otherName}`, baselinePath: `results/baselines/${baseline}`, machine };
}

/**
 * A small tslab notebook of this suite's own: the three kinds of output the extension renders
 * (abw figure from a real plot builder, abw results, plain plotly JSON), independent of the
 * project's notebooks.
 */
function writeFixtureNotebook(file: string, runFile: string): void {
  const plots = path.join(ROOT, 'kernel-bridge', 'dist', 'plots', 'index.js');
  const code = [
    `import * as tslab from 'tslab';\nimport * as fs from 'fs';\nconst run = JSON.parse(fs.readFileSync(${JSON.stringify(runFile)}, 'utf8'));\nconst plots = require(${JSON.stringify(plots)});`,
    `tslab.display.raw('application/vnd.abw.figure+json', { version: 1, figure: plots.precisionHeatmap(run.records), caption: 'precision of the stored run' } as any);`,
    `tslab.display.raw('application/vnd.abw.results+json', { version: 1, runs: [run] } as any);`,
    `tslab.display.raw('application/vnd.plotly.v1+json', { data: [{ type: 'bar', x: ['a', 'b'], y: [1, 2] }], layout: { title: { text: 'plain plotly' } } } as any);`,
  ];
  const nb = {
    cells: code.map((c) => ({ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: c })),
    metadata: { kernelspec: { display_name: 'TypeScript', language: 'typescript', name: 'tslab' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(nb));
}

/** Opens a notebook, waits for its tslab kernel, runs all cells (Run → Run All Cells). */
async function openAndRunAll(nbPath: string): Promise<ReturnType<Page['locator']>> {
  command('docmanager:open', { path: nbPath, factory: 'Notebook' }).catch((e: Error) => problems.push(`docmanager:open: ${e.message}`));
  const nb = page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)');
  await nb.waitFor({ timeout: 30_000 });
  // The status bar follows the current notebook (an earlier notebook's kernel shows until then).
  await page.locator('.jp-StatusBar-Widget').getByText(path.posix.basename(nbPath)).first().waitFor({ timeout: 30_000 });
  // The kernel named by the notebook (tslab) starts by itself; running cells before it is
  // connected would open JupyterLab's "Select Kernel" dialog instead.
  await page.locator('.jp-StatusBar-Widget').getByText(/TypeScript \| Idle/).first().waitFor({ timeout: 120_000 });
  await nb.locator('.jp-Cell').first().click();
  await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
  await page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click();
  await expect.poll(() => nb.locator('.jp-CodeCell .jp-InputPrompt').first().textContent(), { timeout: 30_000 }).toMatch(/\[(\*|\d+)\]/);
  return nb;
}

async function notebookErrors(nb: ReturnType<Page['locator']>): Promise<string> {
  return (await nb.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').allTextContents()).join('\n').slice(0, 3000);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

let tmp = '';
let lab: ChildProcess | undefined;
let labLog = '';
let context: BrowserContext | undefined;
let page: Page;
let base = '';
let token = '';
let paths: ReturnType<typeof makeRoot>;
let pipelineRun = '';
const problems: string[] = [];

async function waitForServer(url: string, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (lab?.exitCode !== null && lab?.exitCode !== undefined) throw new Error(`jupyter lab exited (${lab.exitCode}):\n${labLog.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`jupyter lab did not answer within ${timeoutMs} ms:\n${labLog.slice(-3000)}`);
}

async function command(id: string, args: Record<string, unknown> = {}): Promise<void> {
  // The command's result (often a widget) stays in the page: only completion comes back.
  await page.evaluate(
    ([i, a]) => (window as unknown as { jupyterapp: { commands: { execute(id: string, args: unknown): Promise<unknown> } } }).jupyterapp.commands.execute(i as string, a).then(() => undefined),
    [id, args] as const,
  );
}

/** The dashboard in the current main-area tab. */
function dashboard() {
  return page.locator('.jp-MainAreaWidget:not(.lm-mod-hidden) .abw-dashboard');
}

/** A small real pipelines run (encodec on cpu and ort:cpu, whose encoder/decoder run as stages). */
async function pipelinesRun(outDir: string): Promise<string> {
  const matrix = parseMatrixSpec(
    {
      name: 'pipes',
      description: 'pipelines in the dashboard',
      version: 1,
      defaults: { dtypes: ['f32'], measure: { target: 0.5, budgetMs: 30, warmupMs: 0, minSamples: 2, maxSamples: 3 } },
      cases: [{ label: 'encodec tiny', kind: 'pipeline', pipeline: 'encodec', params: { seconds: 0.05, bandwidth: 3 } }],
    },
    'pipes.json',
  );
  const { path: file } = await runMatrix({ matrix, backends: ['cpu', 'ort:cpu'], outDir, seed: 1, backend: getBackend });
  return path.relative(path.dirname(outDir), file).split(path.sep).join('/');
}

async function countsText(): Promise<string> {
  return (await dashboard().locator('.abw-counts').textContent()) ?? '';
}

describe.skipIf(missing.length > 0)('JupyterLab extension in headless Chromium', () => {
  beforeAll(async () => {
    if (!fs.existsSync(LABEXT)) throw new Error(`the extension is not installed in ${VENV}: run \`bash extension/install-into-env.sh .venv\``);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-lab-'));
    const root = path.join(tmp, 'root');
    fs.mkdirSync(root);
    paths = makeRoot(root);
    pipelineRun = await pipelinesRun(path.join(root, 'pipelines'));
    const prefix = path.join(tmp, 'prefix');
    const kernel = spawnSync(TSLAB, ['install', `--prefix=${prefix}`, `--binary=${TSLAB}`, `--python=${path.join(VENV, 'bin', 'python')}`], { encoding: 'utf8' });
    if (kernel.status !== 0) throw new Error(`tslab install failed: ${kernel.stderr}`);
    const port = await freePort();
    token = randomBytes(16).toString('hex');
    base = `http://127.0.0.1:${port}`;
    const env = {
      ...process.env,
      JUPYTER_PATH: path.join(prefix, 'share', 'jupyter'),
      JUPYTER_CONFIG_DIR: path.join(tmp, 'config'),
      JUPYTER_RUNTIME_DIR: path.join(tmp, 'runtime'),
      JUPYTERLAB_SETTINGS_DIR: path.join(tmp, 'settings'),
      JUPYTERLAB_WORKSPACES_DIR: path.join(tmp, 'workspaces'),
      ABW_RESULTS_DIR: path.join(root, 'results'),
    };
    // No "get notified about Jupyter news?" prompt over the screenshots.
    const notification = path.join(tmp, 'settings', '@jupyterlab', 'apputils-extension');
    fs.mkdirSync(notification, { recursive: true });
    fs.writeFileSync(path.join(notification, 'notification.jupyterlab-settings'), JSON.stringify({ fetchNews: 'false' }));
    lab = spawn(
      JUPYTER,
      ['lab', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0', `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${root}`, '--LabApp.expose_app_in_browser=True', '--LabApp.news_url=', '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate', ...(process.getuid?.() === 0 ? ['--allow-root'] : [])],
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    lab.stdout!.on('data', (d) => (labLog += String(d)));
    lab.stderr!.on('data', (d) => (labLog += String(d)));
    await waitForServer(`${base}/api/status?token=${token}`, 60_000);

    const { chromium } = await import('playwright-core');
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    context = await chromium.launchPersistentContext(path.join(tmp, 'chromium'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1500, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && /abw|plotly/i.test(m.text())) problems.push(`console: ${m.text()}`);
    });
    await page.goto(`${base}/lab?token=${token}`);
    await page.waitForSelector('#jupyterlab-splash', { state: 'detached', timeout: 90_000 });
    await page.waitForFunction(() => !!(window as unknown as { jupyterapp?: unknown }).jupyterapp, undefined, { timeout: 30_000 });
    // Every plugin activated and the layout restored: the commands used below exist.
    await page.evaluate(() => (window as unknown as { jupyterapp: { restored: Promise<void> } }).jupyterapp.restored.then(() => undefined));
    await page.waitForFunction(
      () => ['docmanager:open', 'notebook:run-all-cells', 'abw:open-dashboard', 'filebrowser:go-to-path'].every((c) => (window as unknown as { jupyterapp: { commands: { hasCommand(id: string): boolean } } }).jupyterapp.commands.hasCommand(c)),
      undefined,
      { timeout: 60_000 },
    );
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    if (lab && lab.exitCode === null) {
      lab.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 1500));
      if (lab.exitCode === null) lab.kill('SIGKILL');
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('is listed by jupyter labextension list', () => {
    const out = spawnSync(JUPYTER, ['labextension', 'list'], { encoding: 'utf8' });
    expect(`${out.stdout}${out.stderr}`).toMatch(/@abw\/jupyterlab-abw v\d+\.\d+\.\d+ .*enabled.*OK/);
  });

  it('opens a stored run via Open With: summary, plots, baseline switch, filters, sort, a case', async () => {
    // The file browser: results/runs/<machine>/<run>.json → right click → Open With → the dashboard.
    await command('filebrowser:go-to-path', { path: path.posix.dirname(paths.runPath) });
    const item = page.locator(`.jp-DirListing-item[title*="${path.posix.basename(paths.runPath)}"]`).first();
    await item.waitFor({ timeout: 20_000 });
    await item.click({ button: 'right' });
    await page.locator('.lm-Menu-item:has-text("Open With")').hover();
    await page.locator('.lm-Menu-item:has-text("abw Results Dashboard")').click();
    const d = dashboard();
    await d.locator('.abw-summary').waitFor({ timeout: 30_000 });
    await expect.poll(() => d.getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
    expect(await d.locator('.abw-summary').textContent()).toContain(paths.machine);
    // The machine's pinned baseline is chosen first.
    expect(await d.getAttribute('data-baseline')).toBe(paths.baselinePath);
    // The comparison ran in a Web Worker, not on the page's thread.
    expect(await d.getAttribute('data-compare-thread')).toBe('worker');
    await expect.poll(async () => Number(await d.locator('.abw-plots').getAttribute('data-drawn')), { timeout: 60_000 }).toBeGreaterThanOrEqual(5);
    const total = Number(/of (\d+) cases/.exec(await countsText())![1]);
    expect(total).toBeGreaterThan(100);
    // Only the rows in view exist in the DOM.
    const rendered = await d.locator('.abw-vt-row').count();
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(total);

    // Baseline: every run of every machine is offered; a faster machine makes regressions stand out.
    const options = await d.locator('.abw-baseline-select option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(options).toContain(paths.otherPath);
    await d.locator('.abw-baseline-select').selectOption(paths.otherPath);
    await expect.poll(() => d.getAttribute('data-baseline'), { timeout: 30_000 }).toBe(paths.otherPath);
    await expect.poll(async () => Number(/(\d+) regressed/.exec(await countsText())?.[1] ?? 0), { timeout: 30_000 }).toBeGreaterThan(50);
    expect(await d.locator('.abw-vt-row.abw-regressed').count()).toBeGreaterThan(5);

    // Filters: verdict = regression, then a dtype; the count follows.
    await d.locator('select[data-filter="verdict"]').selectOption('regression');
    const regressions = Number(/^(\d+) of/.exec(await countsText())![1]);
    expect(regressions).toBeGreaterThan(0);
    expect(regressions).toBeLessThan(total);
    const dtypes = await d.locator('select[data-filter="dtype"] option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value).filter((v) => v));
    await d.locator('select[data-filter="dtype"]').selectOption(dtypes[0]!);
    const both = Number(/^(\d+) of/.exec(await countsText())![1]);
    expect(both).toBeLessThanOrEqual(regressions);
    const shownDtypes = await d.locator('.abw-vt-row [role=cell]:nth-child(4)').allTextContents();
    expect(new Set(shownDtypes)).toEqual(new Set([dtypes[0]]));

    // Sort by median, descending: the first row has the largest median.
    await d.locator('select[data-filter="verdict"]').selectOption('');
    await d.locator('.abw-vt-th[data-column="medianNs"]').click();
    await d.locator('.abw-vt-th[data-column="medianNs"]').click();
    expect(await d.locator('.abw-vt-th[data-column="medianNs"]').getAttribute('data-sort')).toBe('descending');

    // A case: its full record, with the samples histogram.
    await d.locator('.abw-vt-row').first().click();
    const detail = d.locator('.abw-detail .abw-case');
    await detail.waitFor();
    const text = (await detail.textContent()) ?? '';
    for (const part of ['params', 'Timing', 'Precision', 'Environment', paths.machine]) expect(text).toContain(part);
    await d.locator('.abw-case-hist.js-plotly-plot').waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'extension-dashboard.png') });

    // Back to no baseline: verdicts say so.
    await d.locator('.abw-plots').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'extension-dashboard-plots.png') });
    await d.locator('.abw-baseline-select').selectOption('');
    await expect.poll(() => d.getAttribute('data-baseline'), { timeout: 30_000 }).toBe('');
    // The open case follows: no comparison section any more.
    await expect.poll(async () => (await d.locator('.abw-detail .abw-case').textContent()) ?? '').not.toContain('Against the baseline');
    expect(await d.locator('select[data-filter="verdict"] option').allTextContents()).toEqual([expect.stringMatching(/^all/), expect.stringMatching(/^no baseline/)]);

    // Dark theme: plots take the theme's text colour.
    const fontColor = () => page.evaluate(() => (document.querySelector('.abw-dashboard .abw-plot.js-plotly-plot') as unknown as { _fullLayout: { font: { color: string } } })._fullLayout.font.color);
    const before = await fontColor();
    await command('apputils:change-theme', { theme: 'JupyterLab Dark' });
    await expect.poll(fontColor, { timeout: 20_000 }).not.toBe(before);
    await page.screenshot({ path: path.join(ARTIFACTS, 'extension-dashboard-dark.png') });
    await command('apputils:change-theme', { theme: 'JupyterLab Light' });
    expect(problems).toEqual([]);
  }, 180_000);

  it('shows a pipeline case with its pipeline block: RTF, SNR, stages run as one call', async () => {
    await command('abw:open-dashboard', { path: pipelineRun });
    const d = dashboard();
    await expect.poll(() => d.getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
    const row = d.locator('.abw-vt-row', { hasText: 'ort:cpu' }).first();
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    const detail = d.locator('.abw-detail .abw-case');
    await detail.waitFor();
    const text = (await detail.textContent()) ?? '';
    for (const part of ['Pipeline', 'encodec (seeded weights)', 'real-time factor', 'output SNR vs FP64', 'encoder: one call of', 'decoder: one call of', 'code match per codebook']) {
      expect(text).toContain(part);
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'extension-pipeline-case.png') });
    expect(problems).toEqual([]);
  }, 120_000);

  it('exports the same self-contained report as `abw report`', async () => {
    await command('abw:open-dashboard', { path: paths.runPath });
    const d = dashboard();
    await expect.poll(() => d.getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
    await d.locator('.abw-baseline-select').selectOption(paths.baselinePath);
    await expect.poll(() => d.getAttribute('data-baseline'), { timeout: 30_000 }).toBe(paths.baselinePath);
    await command('abw:export-report');
    await expect.poll(() => d.getAttribute('data-exported'), { timeout: 60_000 }).toBe(paths.runPath.replace(/\.json$/, '.html'));
    const root = path.join(tmp, 'root');
    const fromLab = fs.readFileSync(path.join(root, paths.runPath.replace(/\.json$/, '.html')), 'utf8');
    const generated = /generated ([0-9T:.Z-]+)\./.exec(fromLab)![1]!;
    const input = gatherReport(path.join(root, paths.runPath), { resultsDir: path.join(root, 'results'), baseline: { file: path.join(root, paths.baselinePath) }, now: new Date(generated) });
    const fromCli = renderReport(input, plotlySource());
    expect(fromLab.length).toBeGreaterThan(1e6);
    expect(fromLab === fromCli).toBe(true);
  }, 120_000);

  it('runs nothing from a hostile file and shows invalid files as readable errors', async () => {
    await page.evaluate(() => delete (window as unknown as { __pwned?: unknown }).__pwned);
    await command('abw:open-dashboard', { path: 'hostile/results/runs/hostile-machine/2026-11-21T00-00-00Z-evil.json' });
    const d = dashboard();
    await expect.poll(() => d.getAttribute('data-state'), { timeout: 30_000 }).toBe('ready');
    expect(await d.locator('.abw-summary').textContent()).toContain(EVIL);
    await expect.poll(async () => Number(await d.locator('.abw-plots').getAttribute('data-drawn')), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
    expect(await d.locator('.abw-vt-row').first().textContent()).toMatch(/<img src=x|"><svg/);
    await d.locator('.abw-vt-row').first().click();
    await d.locator('.abw-detail .abw-case').waitFor();
    expect(await d.locator('.abw-detail .abw-case').textContent()).toContain(EVIL);
    // Hover a plot: hover labels carry the case text.
    const plot = d.locator('.abw-plot.js-plotly-plot').first();
    const box = await plot.boundingBox();
    if (box) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await page.locator('.abw-dashboard img, .abw-dashboard [onerror], .abw-dashboard [onload]').count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'extension-hostile.png') });

    await command('abw:open-dashboard', { path: 'hostile/results/runs/hostile-machine/broken.json' });
    const err = dashboard().locator('.abw-error');
    await err.waitFor({ timeout: 30_000 });
    expect(await err.textContent()).toMatch(/broken\.json.*(line \d+|truncated|end of)/is);
    await command('abw:open-dashboard', { path: 'hostile/results/runs/hostile-machine/not-a-run.json' });
    const err2 = dashboard().locator('.abw-error');
    await err2.waitFor({ timeout: 30_000 });
    expect(await err2.textContent()).toMatch(/not-a-run\.json: not an abw run file.*\/run/s);
    expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
    await page.screenshot({ path: path.join(ARTIFACTS, 'extension-invalid.png') });
    expect(problems).toEqual([]);
  }, 120_000);

  it('renders abw figures, result sets and plotly JSON from a tslab kernel (fixture notebook)', async () => {
    const nb = await openAndRunAll('fixture/abw-outputs.ipynb');
    // Cells far from the viewport may be left out of the DOM (notebook windowing): each check
    // scrolls its cell into view first.
    const cell = (i: number) => nb.locator('.jp-CodeCell').nth(i);
    try {
      const figure = cell(1).locator('.abw-output .abw-plot.js-plotly-plot');
      await figure.waitFor({ state: 'attached', timeout: 120_000 });
      expect(await cell(1).locator('.abw-caption').textContent()).toBe('precision of the stored run');
      // The figure follows the panel's width.
      await figure.scrollIntoViewIfNeeded();
      const width = () => figure.evaluate((el) => el.getBoundingClientRect().width);
      const wide = await width();
      await page.setViewportSize({ width: 1000, height: 1000 });
      await expect.poll(width, { timeout: 10_000 }).toBeLessThan(wide);
      await page.setViewportSize({ width: 1500, height: 1000 });
      // The result set: a case table whose rows open the full record.
      await cell(2).scrollIntoViewIfNeeded();
      const row = cell(2).locator('.abw-output .abw-vt-row').first();
      await row.waitFor({ state: 'attached', timeout: 60_000 });
      await row.click();
      await cell(2).locator('.abw-output .abw-case').waitFor({ state: 'attached' });
      // Plain plotly JSON, drawn by whichever plotly renderer is installed.
      await cell(3).scrollIntoViewIfNeeded();
      await cell(3).locator('.js-plotly-plot').waitFor({ state: 'attached', timeout: 60_000 });
    } catch (e) {
      console.log(`[extension-lab] fixture notebook errors:\n${await notebookErrors(nb)}`);
      throw e;
    } finally {
      await page.screenshot({ path: path.join(ARTIFACTS, 'extension-fixture-notebook.png') });
    }
    expect(await nb.locator('.abw-output .abw-error').count()).toBe(0);
    expect(problems).toEqual([]);
  }, 240_000);

  it.skipIf(!fs.existsSync(QUICKSTART))('runs 01-quickstart on the tslab kernel and renders its plots', async () => {
    const nb = await openAndRunAll('notebooks/01-quickstart.ipynb');
    const plots = nb.locator('.js-plotly-plot');
    try {
      // The quick matrix runs first (seconds alone, longer beside the rest of the suite).
      await expect.poll(() => plots.count(), { timeout: 240_000, interval: 1000 }).toBeGreaterThanOrEqual(2);
    } catch (e) {
      const panels = await page.locator('.jp-NotebookPanel').evaluateAll((els) => els.map((x) => `${x.className} plots=${x.querySelectorAll('.js-plotly-plot').length} outputs=${x.querySelectorAll('.jp-OutputArea-output').length}`));
      console.log(`[extension-lab] 01-quickstart: panels ${JSON.stringify(panels)}; page plots ${await page.locator('.js-plotly-plot').count()}`);
      console.log(`[extension-lab] 01-quickstart errors:\n${await notebookErrors(nb)}`);
      throw e;
    } finally {
      await page.screenshot({ path: path.join(ARTIFACTS, 'extension-notebook.png') });
    }
    expect(await nb.locator('.abw-output .abw-error').count()).toBe(0);
    // abw.show(run) is application/vnd.abw.results+json: this extension's case table.
    expect(await nb.locator('.abw-output .abw-vt-row').count()).toBeGreaterThan(5);
    await plots.first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'extension-notebook.png') });
    expect(problems).toEqual([]);
  }, 420_000);
});

if (missing.length > 0) {
  describe('JupyterLab extension in headless Chromium', () => {
    it.skip(`SKIPPED: missing ${missing.join(' and ')}`, () => undefined);
  });
}
