/**
 * Result files are untrusted (DESIGN.md "Robustness rules"): hostile strings, huge numbers,
 * NaN, deeply nested junk and very large files are rejected when read or escaped when shown.
 * Here: the file-level rejections through the loaders, and the escaping of the HTML report and
 * the terminal output. That nothing executes in a browser is checked in
 * test/browser/report.test.ts.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { comparisonText } from '../../kernel-bridge/src/cli/compare';
import { termSafe } from '../../kernel-bridge/src/cli/results-args';
import { latencyVsBaseline, sizeScaling, roofline, crossMachine } from '../../kernel-bridge/src/plots';
import { escapeHtml, inlineableScript, jsonForScript, renderReport } from '../../kernel-bridge/src/report/html';
import { readBaseline } from '../../kernel-bridge/src/results/baseline';
import { readCeilings } from '../../kernel-bridge/src/results/ceilings';
import { compareRuns } from '../../kernel-bridge/src/results/compare';
import { loadRuns } from '../../kernel-bridge/src/results/load-runs';
import type { RunFile } from '../../kernel-bridge/src/results/record';
import { richCases, synthCeilings, synthRun } from '../helpers/synthetic-runs';

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'abw-untrusted-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const f = path.join(dir, name);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}

const good = () => JSON.parse(JSON.stringify(synthRun(richCases()))) as Record<string, any>;

describe('hostile files are rejected with the file and field named', () => {
  it('numbers beyond double range (JSON 1e400 parses to Infinity)', () => {
    const f = write('huge.json', JSON.stringify(good()).replace(/"median":[0-9.e+-]+/, '"median":1e400'));
    expect(() => loadRuns([f])).toThrow(/huge\.json: \/records\/0\/timing\/stats\/median must be number/);
  });

  it('NaN and Infinity literals (not JSON)', () => {
    const f = write('nan.json', JSON.stringify(good()).replace(/"median":[0-9.e+-]+/, '"median":NaN'));
    expect(() => loadRuns([f])).toThrow(/nan\.json: invalid JSON/);
    const g = write('inf.json', JSON.stringify(good()).replace(/"mean":[0-9.e+-]+/, '"mean":-Infinity'));
    expect(() => loadRuns([g])).toThrow(/inf\.json: invalid JSON/);
  });

  it('deeply nested junk', () => {
    const run = good();
    let junk: unknown = 1;
    for (let i = 0; i < 500; i++) junk = [junk];
    run.records[0].params = { deep: junk };
    const f = write('deep.json', JSON.stringify(run));
    expect(() => loadRuns([f])).toThrow(/deep\.json: forbidden key at .*nested deeper than 64/);
    const shallowJunk = good();
    shallowJunk.records[0].params = { deep: [[[1]]] };
    const g = write('junk.json', JSON.stringify(shallowJunk));
    expect(() => loadRuns([g])).toThrow(/junk\.json: \/records\/0\/params\/deep/);
    const extra = good();
    extra.records[1].timing.stats.evil = { nested: { more: 1 } };
    const h = write('extra.json', JSON.stringify(extra));
    expect(() => loadRuns([h])).toThrow(/extra\.json: \/records\/1\/timing\/stats has an unknown field "evil"/);
  });

  it('prototype-polluting keys', () => {
    const f = write('proto.json', JSON.stringify(good()).replace('"params":{}', '"params":{"__proto__":{"polluted":true}}'));
    expect(() => loadRuns([f])).toThrow(/proto\.json: forbidden key at \/records\/0\/params\/__proto__/);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('very large files, before reading them', () => {
    const run = good();
    run.records[0].timing.samplesNs = Array.from({ length: 200_000 }, (_, i) => 1000 + (i % 7));
    const f = write('large.json', JSON.stringify(run));
    expect(fs.statSync(f).size).toBeGreaterThan(1e6);
    expect(() => loadRuns([f], { maxBytes: 1e6 })).toThrow(/large\.json: the file is .+, over the limit of .+ \(maxBytes\)/);
    const res = loadRuns([f], { maxBytes: 1e6, skipInvalid: true });
    expect(res.rejected[0]).toMatchObject({ file: f, field: 'maxBytes' });
  });

  it('strings longer than the schema allows', () => {
    const run = good();
    run.records[0].label = 'x'.repeat(100_000);
    const f = write('long.json', JSON.stringify(run));
    expect(() => loadRuns([f])).toThrow(/long\.json: \/records\/0\/label must NOT have more than 1024 characters/);
  });

  it('hostile machine keys never become paths, and baselines / ceilings files are validated too', () => {
    const run = good();
    run.run.machine.key = '../../etc';
    const f = write('key.json', JSON.stringify(run));
    expect(() => loadRuns([f])).toThrow(/key\.json: \/run\/machine\/key must match pattern/);
    expect(() => readBaseline(dir, '../x')).toThrow(/machine: must be 1–128 characters/);
    const results = path.join(dir, 'store');
    write('store/baselines/m1.json', '{"schema":"abw.run","schemaVersion":1,"run":{},"records":"<script>"}');
    expect(() => readBaseline(results, 'm1')).toThrow(/m1\.json: .*\/run must have required property/);
    const ceil = JSON.parse(JSON.stringify(synthCeilings(synthRun([]).run.machine)));
    ceil.ceilings['<img src=x>'] = ceil.ceilings.cpu;
    write('store/machines/m2.json', JSON.stringify(ceil));
    expect(() => readCeilings(results, 'm2')).toThrow(/m2\.json: \/ceilings must match pattern|m2\.json: \/ceilings property name/);
    const neg = JSON.parse(JSON.stringify(synthCeilings(synthRun([]).run.machine)));
    neg.ceilings.cpu.matmul.f32.gflops = -1;
    write('store/machines/m3.json', JSON.stringify(neg));
    expect(() => readCeilings(results, 'm3')).toThrow(/m3\.json: \/ceilings\/cpu\/matmul\/f32\/gflops must be > 0/);
  });
});

const EVIL = '<img src=x onerror=window.__pwned=1></script><!--<script>\u2028\u2029';

function hostileRun(): RunFile {
  const run = synthRun(
    richCases().map((c, i) => ({ ...c, label: `${EVIL} ${i}`, params: { ...c.params, note: EVIL } })),
    { id: '2026-11-21T10-00-00Z-bbbb' },
  );
  return {
    ...run,
    run: { ...run.run, matrix: { name: EVIL, hash: EVIL }, backends: [EVIL], machine: { ...run.run.machine, cpu: { ...run.run.machine.cpu, model: EVIL }, compiler: EVIL } },
  };
}

describe('the HTML report escapes everything from result files', () => {
  const run = hostileRun();
  const base = synthRun(richCases().map((c, i) => ({ ...c, label: `${EVIL} ${i}`, params: { ...c.params, note: EVIL } })));
  const FAKE_PLOTLY = 'window.Plotly = { newPlot: function () { return Promise.resolve(); } }; var s = "</script><!-- <script>";';
  const html = renderReport({ run, baseline: base, comparison: compareRuns(base, run), generatedAt: '2026-11-21T12:00:00.000Z' }, FAKE_PLOTLY);
  const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)].map((m) => ({ attrs: m[1] as string, body: m[2] as string }));

  it('has exactly three script elements: plotly, the figures as JSON, the bootstrap', () => {
    expect(scripts.map((s) => s.attrs.trim())).toEqual(['', 'type="application/json" id="abw-figures"', '']);
    expect(html.match(/<script/g)).toHaveLength(3);
  });

  it('no markup from the files outside escaped text', () => {
    const outsideScripts = html.replace(/<script[^>]*>[\s\S]*?<\/script>/g, '');
    expect(outsideScripts).not.toContain('<img');
    expect(outsideScripts).not.toContain('<!--');
    expect(outsideScripts).toContain('&lt;img src=x onerror=window.__pwned=1&gt;&lt;/script&gt;&lt;!--&lt;script&gt;');
  });

  it('embedded JSON cannot close its element, open a comment, or break as a JS literal', () => {
    const json = scripts[1]!.body;
    expect(json).not.toMatch(/[<>&\u2028\u2029]/);
    const figs = JSON.parse(json) as unknown[];
    expect(figs).toHaveLength(8);
    // The text survives, escaped for plotly (which shows entities as characters).
    expect(json).toContain('\\u0026lt;img src=x onerror=window.__pwned=1\\u0026gt;');
    expect(jsonForScript({ a: '</script>\u2028' })).toBe('{"a":"\\u003c/script\\u003e\\u2028"}');
  });

  it('inlines plotly with </script and <!-- neutralised, under a hash-only script CSP', () => {
    expect(scripts[0]!.body).toBe(inlineableScript(FAKE_PLOTLY));
    expect(scripts[0]!.body).not.toMatch(/<\/script|<!--|<script/i);
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)![1]!.replace(/&#39;/g, "'");
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).not.toMatch(/unsafe-inline'[^;]*;?\s*$|script-src[^;]*unsafe/);
    const hash = (s: string) => `'sha256-${createHash('sha256').update(s, 'utf8').digest('base64')}'`;
    expect(csp).toContain(`script-src ${hash(scripts[0]!.body)} ${hash(scripts[2]!.body)}`);
  });

  it('escapeHtml covers the five characters', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  });
});

describe('extreme values still give finite figures; terminals get no control characters', () => {
  it('huge and tiny medians', () => {
    const cases = richCases().map((c, i) => ({ ...c, medianNs: i % 2 ? 1e250 : 1e-250 }));
    const run = synthRun(cases);
    // A ratio beyond double range is not a verdict.
    const flipped = synthRun(richCases().map((c, i) => ({ ...c, medianNs: i % 2 ? 1e-250 : 1e250 })));
    const wild = compareRuns(run, flipped);
    expect(wild.rows.every((r) => r.verdict === 'unmeasured' || Number.isFinite(r.ratio))).toBe(true);
    expect(wild.counts.unmeasured).toBeGreaterThan(0);
    for (const f of [latencyVsBaseline(compareRuns(run, run)), sizeScaling(run.records), roofline(run.records, synthCeilings(run.run.machine)), crossMachine([run])]) {
      const bad: string[] = [];
      const walk = (v: unknown, at: string) => {
        if (typeof v === 'number' && !Number.isFinite(v)) bad.push(at);
        else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, `${at}/${k}`);
      };
      walk(f, '');
      expect(bad).toEqual([]);
    }
  });

  it('labels with escape sequences are shown inert in abw compare output', () => {
    const evil = '\u001b[2J\u001b]0;pwned\u0007 label';
    const a = synthRun([{ op: 'matmul', label: evil, medianNs: 1000, seed: 1 }]);
    const b = synthRun([{ op: 'matmul', label: evil, medianNs: 2000, seed: 2 }]);
    const text = comparisonText(compareRuns(a, b), true);
    expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(text).toContain('\\x1b[2J\\x1b]0;pwned\\x07 label');
    expect(termSafe('a\u2028b')).toBe('a\\u2028b');
  });
});
