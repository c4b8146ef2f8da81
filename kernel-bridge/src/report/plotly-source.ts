/**
 * The plotly.js bundle to inline in reports: the minified dist of the `plotly.js-dist-min` npm
 * package, resolved from this package's dependencies (no network, no CDN).
 */
import * as fs from 'node:fs';
import { AbwError } from '../errors';

let cached: string | undefined;

export function plotlyBundlePath(): string {
  try {
    return require.resolve('plotly.js-dist-min/plotly.min.js');
  } catch (e) {
    throw new AbwError('ABW_EIO', `report: plotly.js is not installed (${(e as Error).message}); run \`npm install\` in the repository`);
  }
}

export function plotlySource(): string {
  cached ??= fs.readFileSync(plotlyBundlePath(), 'utf8');
  return cached;
}

export function plotlyVersion(): string {
  const m = /plotly\.js v(\d+\.\d+\.\d+)/.exec(plotlySource().slice(0, 200));
  return m ? (m[1] as string) : 'unknown';
}
