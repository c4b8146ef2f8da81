/** The parts of plotly.js this extension calls (plotly.js-dist-min ships no types). */
declare module 'plotly.js-dist-min' {
  export function newPlot(el: HTMLElement, data: unknown[], layout: Record<string, unknown>, config?: Record<string, unknown>): Promise<HTMLElement>;
  export function react(el: HTMLElement, data: unknown[], layout: Record<string, unknown>, config?: Record<string, unknown>): Promise<HTMLElement>;
  export function relayout(el: HTMLElement, update: Record<string, unknown>): Promise<HTMLElement>;
  export function purge(el: HTMLElement): void;
  export const Plots: { resize(el: HTMLElement): Promise<void> | void };
}

/** The plotly.js bundle as text, for the self-contained report (webpack `asset/source`, see webpack.config.js). */
declare module 'plotly.js-dist-min/plotly.min.js?raw' {
  const source: string;
  export default source;
}
