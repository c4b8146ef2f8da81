/**
 * Draws plotly figures in JupyterLab: plotly.js is loaded on first use (its own chunk), plots
 * follow the light/dark theme (colours taken from JupyterLab's CSS variables when the theme
 * changes) and resize with their panel (the owning widget calls `resize` from onResize).
 */
type PlotlyModule = typeof import('plotly.js-dist-min');

let plotly: Promise<PlotlyModule> | undefined;

export function loadPlotly(): Promise<PlotlyModule> {
  plotly ??= import(/* webpackChunkName: "plotly" */ 'plotly.js-dist-min');
  return plotly;
}

/** Every live plot, so a theme change can restyle them. */
const live = new Set<HTMLElement>();

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.body).getPropertyValue(name).trim();
  return v || fallback;
}

/** Layout keys that make a figure match the current JupyterLab theme (background, text, grid). */
export function themeLayout(): Record<string, unknown> {
  const font = cssVar('--jp-ui-font-color1', '#222');
  const grid = cssVar('--jp-border-color2', '#e0e0e0');
  return {
    paper_bgcolor: 'rgba(0,0,0,0)',
    plot_bgcolor: 'rgba(0,0,0,0)',
    'font.color': font,
    'xaxis.gridcolor': grid,
    'yaxis.gridcolor': grid,
    'xaxis.zerolinecolor': grid,
    'yaxis.zerolinecolor': grid,
    'legend.bgcolor': 'rgba(0,0,0,0)',
  };
}

/** The same as a nested layout object (for newPlot). */
function nestedThemeLayout(layout: Record<string, unknown>): Record<string, unknown> {
  const t = themeLayout();
  const axis = (name: string) => ({ ...((layout[name] as Record<string, unknown>) ?? {}), gridcolor: t['xaxis.gridcolor'], zerolinecolor: t['xaxis.gridcolor'] });
  return {
    ...layout,
    paper_bgcolor: t.paper_bgcolor,
    plot_bgcolor: t.plot_bgcolor,
    font: { ...((layout.font as Record<string, unknown>) ?? {}), color: t['font.color'] },
    xaxis: axis('xaxis'),
    yaxis: axis('yaxis'),
    legend: { ...((layout.legend as Record<string, unknown>) ?? {}), bgcolor: 'rgba(0,0,0,0)' },
  };
}

export interface PlotFigure {
  readonly data: unknown[];
  readonly layout?: Record<string, unknown>;
}

/** Draws `figure` into `el` (which keeps its width; height from the figure or 420px). */
export async function drawPlot(el: HTMLElement, figure: PlotFigure): Promise<void> {
  const P = await loadPlotly();
  const layout = { ...(figure.layout ?? {}) };
  // The panel sets the width; a fixed width from the figure would not follow resizes.
  delete layout.width;
  const height = typeof layout.height === 'number' ? layout.height : 420;
  el.style.height = `${height}px`;
  el.classList.add('abw-plot');
  await P.newPlot(el, figure.data, nestedThemeLayout(layout), { responsive: true, displaylogo: false });
  live.add(el);
}

export async function resizePlots(root: HTMLElement): Promise<void> {
  if (!plotly) return;
  const P = await plotly;
  for (const el of Array.from(root.querySelectorAll<HTMLElement>('.abw-plot.js-plotly-plot'))) {
    if (el.offsetParent !== null) void P.Plots.resize(el);
  }
}

export async function purgePlots(root: HTMLElement): Promise<void> {
  const els = Array.from(root.querySelectorAll<HTMLElement>('.abw-plot'));
  for (const el of els) live.delete(el);
  if (!plotly) return;
  const P = await plotly;
  for (const el of els) P.purge(el);
}

/** Restyles every live plot for the theme now in effect (called on IThemeManager.themeChanged). */
export async function restyleAll(): Promise<void> {
  if (!plotly) return;
  const P = await plotly;
  const update = themeLayout();
  for (const el of Array.from(live)) {
    if (!el.isConnected) {
      live.delete(el);
      continue;
    }
    void P.relayout(el, update);
  }
}
