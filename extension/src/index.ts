/**
 * The abw JupyterLab extension: renderers for the workbench's MIME types (and a fallback for
 * plotly JSON), the results dashboard for run files, and three palette commands.
 */
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, InputDialog, IThemeManager, Notification, WidgetTracker } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { ABCWidgetFactory, DocumentWidget, type DocumentRegistry, type IDocumentWidget } from '@jupyterlab/docregistry';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { IRenderMimeRegistry } from '@jupyterlab/rendermime';
import type { Contents } from '@jupyterlab/services';
import { MIME_PLOTLY } from '../../kernel-bridge/src/notebook/mime';
import { ResultsDashboard } from './dashboard';
import { restyleAll } from './plotly-view';
import { abwRendererFactories, plotlyFallbackFactory } from './renderers';
import { listStored } from './results-store';

export const DASHBOARD_FACTORY = 'abw Results Dashboard';
export const COMMANDS = {
  openDashboard: 'abw:open-dashboard',
  compareRuns: 'abw:compare-runs',
  exportReport: 'abw:export-report',
} as const;
/** Where the prompts look for run files when no path is given: results/ of the server root. */
const DEFAULT_RESULTS_ROOT = 'results';

type DashboardWidget = IDocumentWidget<ResultsDashboard>;

class DashboardFactory extends ABCWidgetFactory<DashboardWidget, DocumentRegistry.IModel> {
  constructor(
    options: DocumentRegistry.IWidgetFactoryOptions<DashboardWidget>,
    private readonly contents: Contents.IManager,
  ) {
    super(options);
  }

  protected createNewWidget(context: DocumentRegistry.Context): DashboardWidget {
    const content = new ResultsDashboard(this.contents);
    const widget = new DocumentWidget({ content, context });
    widget.title.iconClass = 'jp-JSONIcon';
    void context.ready.then(
      () => content.showRun(context.path, context.model.toString()),
      (e: unknown) => content.showError(`Cannot open ${context.path}`, e),
    );
    return widget;
  }
}

const renderersPlugin: JupyterFrontEndPlugin<void> = {
  id: '@abw/jupyterlab-abw:renderers',
  description: 'Renders application/vnd.abw.* outputs and, where no plotly renderer is installed, plotly JSON.',
  autoStart: true,
  requires: [IRenderMimeRegistry],
  activate: (_app: JupyterFrontEnd, rendermime: IRenderMimeRegistry) => {
    for (const f of abwRendererFactories()) rendermime.addFactory(f, f.defaultRank);
    // A registry keeps one factory per MIME type, the last one added. Registering only when
    // none is there yet yields to jupyterlab-plotly whichever activates first: if it comes
    // later, its addFactory replaces this one.
    if (!rendermime.getFactory(MIME_PLOTLY)) rendermime.addFactory(plotlyFallbackFactory, plotlyFallbackFactory.defaultRank);
  },
};

async function chooseRun(app: JupyterFrontEnd, title: string, exclude?: string): Promise<string | undefined> {
  const files = (await listStored(app.serviceManager.contents, DEFAULT_RESULTS_ROOT)).filter((f) => f.path !== exclude);
  if (files.length === 0) {
    Notification.error(`No run files under ${DEFAULT_RESULTS_ROOT}/ (runs/<machine>/*.json, baselines/*.json); open one from the file browser with Open With → ${DASHBOARD_FACTORY}.`);
    return undefined;
  }
  const result = await InputDialog.getItem({ title, items: files.map((f) => f.path), editable: true });
  return result.button.accept && result.value ? result.value : undefined;
}

const dashboardPlugin: JupyterFrontEndPlugin<void> = {
  id: '@abw/jupyterlab-abw:dashboard',
  description: 'The results dashboard for abw run files, and the palette commands.',
  autoStart: true,
  requires: [IDocumentManager],
  optional: [ICommandPalette, IDefaultFileBrowser, IThemeManager],
  activate: (app: JupyterFrontEnd, docManager: IDocumentManager, palette: ICommandPalette | null, browser: IDefaultFileBrowser | null, themes: IThemeManager | null) => {
    const contents = app.serviceManager.contents;
    const factory = new DashboardFactory({ name: DASHBOARD_FACTORY, label: 'abw Results Dashboard', fileTypes: ['json'], defaultFor: [], modelName: 'text', readOnly: true }, contents);
    app.docRegistry.addWidgetFactory(factory);
    const tracker = new WidgetTracker<DashboardWidget>({ namespace: 'abw-dashboard' });
    factory.widgetCreated.connect((_, w) => void tracker.add(w));

    const open = (path: string) => docManager.openOrReveal(path, DASHBOARD_FACTORY) as DashboardWidget | undefined;

    app.commands.addCommand(COMMANDS.openDashboard, {
      label: 'abw: Open Results Dashboard',
      caption: 'Open a run file (results/runs/<machine>/*.json) in the abw results dashboard',
      execute: async (args) => {
        let path = typeof args.path === 'string' ? args.path : undefined;
        if (!path && browser) {
          const selected = Array.from(browser.selectedItems()).find((m) => m.name.endsWith('.json'));
          path = selected?.path;
        }
        path ??= await chooseRun(app, 'Open which run file?');
        if (path) open(path);
      },
    });

    app.commands.addCommand(COMMANDS.compareRuns, {
      label: 'abw: Compare Two Runs',
      caption: 'Open a run in the dashboard compared with another run or baseline',
      execute: async (args) => {
        const base = typeof args.base === 'string' ? args.base : await chooseRun(app, 'Baseline (the older run)?');
        if (!base) return;
        const current = typeof args.current === 'string' ? args.current : await chooseRun(app, 'New run (compared with the baseline)?', base);
        if (!current) return;
        const widget = open(current);
        if (!widget) return;
        await widget.context.ready;
        // showRun picks the pinned baseline first; wait until that is done, then switch.
        await waitFor(() => widget.content.node.dataset.state === 'ready' || widget.content.node.dataset.state === 'error');
        await widget.content.setBaseline(base);
      },
    });

    app.commands.addCommand(COMMANDS.exportReport, {
      label: 'abw: Export Report (self-contained HTML)',
      caption: 'Write the same self-contained HTML report as `abw report`, beside the run file',
      isEnabled: () => tracker.currentWidget !== null,
      execute: async () => {
        const w = tracker.currentWidget;
        if (!w) return;
        try {
          const path = await w.content.exportReport();
          Notification.success(`abw report written: ${path}`, { autoClose: 5000 });
        } catch (e) {
          Notification.error(`abw report failed: ${(e as Error).message}`);
        }
      },
    });

    if (palette) for (const command of Object.values(COMMANDS)) palette.addItem({ command, category: 'Audio Backend Workbench' });
    // Plots read JupyterLab's CSS variables; they change once the new theme's CSS is in.
    themes?.themeChanged.connect(() => window.setTimeout(() => void restyleAll(), 300));
  },
};

async function waitFor(ready: () => boolean, timeoutMs = 30_000): Promise<void> {
  const start = Date.now();
  while (!ready() && Date.now() - start < timeoutMs) await new Promise((r) => setTimeout(r, 50));
}

export default [renderersPlugin, dashboardPlugin];
