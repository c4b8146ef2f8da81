/**
 * A failing cell does not take the tslab kernel down: after bad op parameters, a backend that
 * does not exist or cannot run here, a type error and a thrown error, the next cell runs and
 * displays. The failing cells must fail (execute_reply status `error`) with a message that
 * names the field; they are tagged `raises-exception` (nbclient's convention for expected
 * errors). Skipped, with the reason printed, when the project's .venv is absent.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ARTIFACTS, displayOutputs, executeNotebook, HAVE_VENV, installKernel, NO_VENV_REASON, ROOT, scratchResults, textOf, type Executed } from './helpers';

if (!HAVE_VENV) console.warn(`[kernel-survives.test] SKIPPED: ${NO_VENV_REASON}`);

interface FixtureCell {
  readonly source: string;
  readonly fails?: boolean;
}

const CELLS: FixtureCell[] = [
  { source: "import * as abw from '@abw/kernel-bridge';\nabw.note('kernel up');" },
  // Bad op parameters: a stride of 0.
  { source: "await abw.runCase({ op: 'conv1d', shapes: [[1, 4, 64], [4, 4, 3], null], params: { stride: 0 } });", fails: true },
  { source: "abw.note('after bad parameters');" },
  // A backend that does not exist.
  { source: "await abw.runMatrixLive({ matrix: 'quick', backends: ['cuda:7'], only: 'relu' });", fails: true },
  { source: "abw.note('after a missing backend');" },
  // A backend that exists but cannot run here (ort's CoreML EP on Linux).
  { source: "abw.requireBackends(['ort:coreml']);", fails: true },
  // A type error (cells are type-checked).
  { source: "const n: number = 'not a number';", fails: true },
  { source: "throw new Error('a failing cell');", fails: true },
  // The kernel still runs ops and displays.
  { source: "const r = await abw.runCase({ op: 'relu', shapes: [[4, 64]] });\nabw.note(`relu after failures: ${r.status} ${r.precision?.verdict}`);" },
];

function fixtureNotebook(file: string): void {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'tslab', display_name: 'TypeScript (abw)', language: 'typescript' } },
    cells: CELLS.map((c, i) => ({
      id: `cell-${i}`,
      cell_type: 'code',
      execution_count: null,
      metadata: c.fails ? { tags: ['raises-exception'] } : {},
      outputs: [],
      source: c.source,
    })),
  };
  fs.writeFileSync(file, JSON.stringify(nb, null, 1));
}

describe.skipIf(!HAVE_VENV)('the tslab kernel survives failing cells', () => {
  let work: string;
  let ex: Executed;

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-nb-fail-'));
    const kernel = installKernel(path.join(work, 'jupyter'));
    // In notebooks/, as a real notebook: the kernel resolves @abw/kernel-bridge from there.
    const file = path.join(ROOT, 'notebooks', `.failing-cells-${process.pid}.ipynb`);
    fixtureNotebook(file);
    try {
      ex = await executeNotebook(file, { ...kernel.env, ABW_RESULTS_DIR: scratchResults() }, ARTIFACTS);
    } finally {
      fs.rmSync(file, { force: true });
    }
  }, 300_000);

  afterAll(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('every failing cell fails, and every cell after it runs', () => {
    expect(ex.report.failure, ex.stderr).toBeNull();
    expect(ex.report.cells).toHaveLength(CELLS.length);
    ex.report.cells.forEach((c, i) => {
      expect(c.reply, `cell ${i}: ${CELLS[i]!.source}`).toBe(CELLS[i]!.fails ? 'error' : 'ok');
    });
  });

  it('the errors name what was wrong', () => {
    const stderr = (i: number) => ex.report.cells[i]!.stderr;
    expect(stderr(1)).toMatch(/stride/);
    expect(stderr(3)).toMatch(/backend "cuda:7" does not exist/);
    expect(stderr(5)).toMatch(/ort:coreml cannot run on this machine/);
    expect(stderr(6)).toMatch(/not assignable to type 'number'/);
  });

  it('the cells after the failures displayed their output', () => {
    const notes = displayOutputs(ex.notebook).map((o) => textOf(o.data['text/html']));
    expect(notes.some((h) => h.includes('after bad parameters'))).toBe(true);
    expect(notes.some((h) => h.includes('after a missing backend'))).toBe(true);
    expect(notes.some((h) => h.includes('relu after failures: ok pass'))).toBe(true);
  });
});
