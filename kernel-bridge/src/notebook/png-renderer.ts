/**
 * `image/png` fallbacks rendered in headless Chromium (playwright-core driving an installed
 * Chromium: Debian's `chromium`, or ABW_CHROMIUM): figures through plotly.js's own
 * `Plotly.toImage`, tables as a screenshot of their HTML. The page is offline and its content
 * is our escaped HTML, so nothing from a shared notebook reaches the network.
 * Where there is no Chromium (or no playwright-core), `openPngRenderer` says why and the share
 * goes on without images.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Figure } from '../plots/units';

export interface PngRenderer {
  figure(figure: Figure): Promise<Buffer>;
  html(html: string): Promise<Buffer>;
  close(): Promise<void>;
}

export const CHROMIUM_ENV = 'ABW_CHROMIUM';
const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'];

export function findChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env[CHROMIUM_ENV];
  if (fromEnv) return fs.existsSync(fromEnv) ? fromEnv : undefined;
  return CANDIDATES.find((p) => fs.existsSync(p));
}

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function openPngRenderer(plotlyJs: string): Promise<PngRenderer | { readonly unavailable: string }> {
  const exe = findChromium();
  if (!exe) return { unavailable: `no headless Chromium found (install Debian's chromium, or set ${CHROMIUM_ENV}=/path/to/chrome)` };
  let chromium: typeof import('playwright-core').chromium;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    chromium = (require('playwright-core') as typeof import('playwright-core')).chromium;
  } catch {
    return { unavailable: 'playwright-core is not installed (npm install in the repository)' };
  }
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-share-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: exe, headless: true, args: ARGS, offline: true, viewport: { width: 1000, height: 700 } });
  const plotPage = await context.newPage();
  await plotPage.setContent('<!doctype html><html><body><div id="scratch"></div></body></html>');
  await plotPage.addScriptTag({ content: plotlyJs });

  return {
    async figure(figure: Figure): Promise<Buffer> {
      const height = typeof figure.layout?.height === 'number' ? Math.min(4000, Math.max(200, figure.layout.height)) : 450;
      const dataUrl = await plotPage.evaluate(
        async ({ f, h }) => {
          // Runs in the page, where plotly.js set window.Plotly (globalThis there).
          const P = (globalThis as unknown as { Plotly: { toImage(fig: unknown, o: unknown): Promise<string> } }).Plotly;
          return P.toImage({ data: f.data, layout: f.layout }, { format: 'png', width: 900, height: h });
        },
        { f: figure as { data: unknown[]; layout: Record<string, unknown> }, h: height },
      );
      return Buffer.from(dataUrl.replace(/^data:image\/png;base64,/, ''), 'base64');
    },
    async html(html: string): Promise<Buffer> {
      const page = await context.newPage();
      try {
        await page.setContent(`<!doctype html><html><body style="margin:8px;background:#fff">${html}</body></html>`);
        const body = page.locator('body > *').first();
        return await body.screenshot({ type: 'png' });
      } finally {
        await page.close();
      }
    },
    async close(): Promise<void> {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}
