/**
 * `abw notebook share` end to end in-process (main(argv, io)): the shared copy on disk, its
 * default path, and the errors for a missing file, a file that is not a notebook and an unknown
 * subcommand. PNG rendering is left out here (--no-png); notebooks.test.ts covers it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { main } from '../../kernel-bridge/src/cli/main';
import type { Io } from '../../kernel-bridge/src/cli/io';
import { MIME_PLOTLY, MIME_RESULTS } from '../../kernel-bridge/src/notebook/mime';
import { precisionHeatmap } from '../../kernel-bridge/src/plots/precision-heatmap';
import { richCases, synthRun } from '../helpers/synthetic-runs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-share-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function abw(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { out: (s) => void (out += s), err: (s) => void (err += s), progress: { write: () => true, isTTY: false } };
  const code = await main(argv, io);
  return { code, out, err };
}

function writeNotebook(file: string): void {
  const run = synthRun(richCases());
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript (abw)', language: 'typescript' } },
    cells: [
      {
        id: 'a',
        cell_type: 'code',
        execution_count: 1,
        metadata: {},
        source: 'abw.show(fig)',
        outputs: [
          { output_type: 'display_data', metadata: {}, data: { [MIME_PLOTLY]: precisionHeatmap(run.records) } },
          { output_type: 'display_data', metadata: {}, data: { [MIME_RESULTS]: { version: 1, runs: [run] } } },
        ],
      },
    ],
  };
  fs.writeFileSync(file, JSON.stringify(nb));
}

describe('abw notebook share', () => {
  it('writes IN.shared.ipynb with the fallbacks, and says what it did', async () => {
    const file = path.join(dir, 'n.ipynb');
    writeNotebook(file);
    const r = await abw('notebook', 'share', file, '--no-png');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/2 workbench outputs \(1 figure, 1 result set, 0 comparisons\) now carry text\/html and text\/plain; no image\/png: not asked for/);
    const shared = JSON.parse(fs.readFileSync(path.join(dir, 'n.shared.ipynb'), 'utf8')) as { cells: { outputs: { data: Record<string, unknown> }[] }[] };
    const [fig, res] = shared.cells[0]!.outputs;
    expect(Object.keys(fig!.data).sort()).toEqual([MIME_PLOTLY, 'text/html', 'text/plain'].sort());
    expect(Object.keys(res!.data).sort()).toEqual([MIME_RESULTS, 'text/html', 'text/plain'].sort());
    expect(String(fig!.data['text/html'])).toContain('data-abw-plotly');
  });

  it('writes where -o says', async () => {
    const file = path.join(dir, 'm.ipynb');
    writeNotebook(file);
    const out = path.join(dir, 'sub-out.ipynb');
    expect((await abw('notebook', 'share', file, '-o', out, '--no-png')).code).toBe(0);
    expect(fs.existsSync(out)).toBe(true);
  });

  it('names the problem: a missing file, not a notebook, an unknown subcommand or flag', async () => {
    const missing = await abw('notebook', 'share', path.join(dir, 'nope.ipynb'), '--no-png');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read .*nope\.ipynb/);
    const notNb = path.join(dir, 'x.ipynb');
    fs.writeFileSync(notNb, '{"cells": "no"}');
    const bad = await abw('notebook', 'share', notNb, '--no-png');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/nbformat must be 4/);
    const sub = await abw('notebook', 'publish', notNb);
    expect(sub.code).toBe(2);
    expect(sub.err).toMatch(/unknown subcommand "publish"; subcommands: share/);
    const flag = await abw('notebook', 'share', notNb, '--png-size', '3');
    expect(flag.code).toBe(2);
    expect(flag.err).toMatch(/unknown flag --png-size/);
  });
});
