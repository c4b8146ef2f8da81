/**
 * The shareable report as a pure function (no Node imports), used by `abw report` (html.ts adds
 * node:crypto) and by the JupyterLab extension's "export report" (a pure SHA-256 there). plotly.js
 * is inlined, the figures travel as JSON in a non-executing `<script type="application/json">`,
 * and a Content-Security-Policy allows only the page's own two scripts (by hash) and no network
 * at all, so the file opens offline and nothing from a result file can run:
 *  - every string from a result file is HTML-escaped in the tables (escapeHtml) and
 *    plotly-escaped in the figures (plots/units.ts escapeText);
 *  - embedded JSON has `<`, `>`, `&`, U+2028 and U+2029 as \u escapes, so it cannot end its
 *    script element or open a comment;
 *  - even if an injection slipped through, inline handlers (`onerror=`) and injected scripts are
 *    blocked by the CSP (no 'unsafe-inline' for scripts).
 */
import { summarizeRun } from '../results/baseline';
import type { Comparison, ComparisonRow, TimeVerdict } from '../results/compare';
import type { RunFile } from '../results/record';
import { fmt, fmtBytes, fmtNs, fmtPct, VERDICT_COLORS } from '../plots/units';
import { reportFigures, type ReportFigure, type ReportInput } from './figures';

export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** JSON that is safe inside any script element (and as a JS literal). */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * plotly.min.js made safe to inline: a `</script` would end the element and `<!--` / `<script`
 * switch the HTML tokenizer into its escaped states. In the bundle they only occur inside string
 * and regex literals, where `\x3C` and `<\/` mean the same characters.
 */
export function inlineableScript(js: string): string {
  return js.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '\\x3C!--').replace(/<script/gi, '\\x3Cscript');
}

const BOOT = `(function () {
  var figures = JSON.parse(document.getElementById('abw-figures').textContent);
  var drawn = 0, failed = 0;
  var config = { responsive: true, displaylogo: false };
  var jobs = figures.map(function (f, i) {
    var el = document.getElementById('plot-' + i);
    // responsive plots take the container's size: give it the figure's height.
    el.style.height = (typeof f.layout.height === 'number' ? f.layout.height : 450) + 'px';
    return Plotly.newPlot(el, f.data, f.layout, config).then(function () { drawn++; }, function (e) {
      failed++;
      console.error('abw report: plot ' + i + ' failed: ' + (e && e.message ? e.message : e));
    });
  });
  Promise.all(jobs).then(function () {
    document.body.setAttribute('data-plots-drawn', String(drawn));
    document.body.setAttribute('data-plots-failed', String(failed));
  });
})();`;

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0 auto; max-width: 1400px; padding: 1rem 2rem 4rem; color: #222; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
.muted { color: #666; } code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; }
table { border-collapse: collapse; margin: .6rem 0; font-size: 12.5px; }
th, td { border: 1px solid #e2e2e2; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f6f6f6; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.verdict { font-weight: 600; } .flag { color: #d62728; font-weight: 600; }
.warn { background: #fff4e5; border-left: 4px solid #ff7f0e; padding: .4rem .8rem; margin: .4rem 0; }
.counts span { display: inline-block; margin-right: 1.2rem; }
.plot { width: 100%; min-height: 360px; } figure { margin: 1.2rem 0 2rem; } figcaption { font-weight: 600; margin-bottom: .3rem; }
nav a { margin-right: 1rem; }
`;

function kv(rows: readonly [string, string][]): string {
  return `<table class="kv">${rows.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function summarySection(input: ReportInput): string {
  const run = input.run;
  const s = summarizeRun(run);
  const m = run.run.machine;
  const timed = run.records.filter((r) => r.timing);
  const notConverged = timed.filter((r) => !r.timing!.converged).length;
  const status = Object.entries(s.byStatus)
    .map(([k, v]) => `${escapeHtml(k)} ${v}`)
    .join(', ');
  const libs = Object.entries(m.libraries)
    .map(([k, v]) => `${escapeHtml(k)} ${escapeHtml(v)}`)
    .join(', ');
  const rows: [string, string][] = [
    ['run', `<code>${escapeHtml(s.runId)}</code>${s.interrupted ? ' <span class="flag">interrupted</span>' : ''}`],
    ['machine', `<code>${escapeHtml(m.key)}</code>`],
    ['cpu', `${escapeHtml(m.cpu.model)} (${m.cpu.cores} cores, ${m.cpu.logicalCores} logical), ${escapeHtml(fmtBytes(m.memoryBytes))} memory`],
    ['os', `${escapeHtml(m.os.platform)} ${escapeHtml(m.os.release)} ${escapeHtml(m.os.arch)}`],
    ['software', `node ${escapeHtml(m.node)}, ${escapeHtml(m.compiler)}, abw ${escapeHtml(m.abwVersion)}${m.gitCommit ? `, commit <code>${escapeHtml(m.gitCommit)}</code>` : ''}`],
    ['libraries', libs || '–'],
    ['gpus', m.gpus.length ? m.gpus.map((g) => escapeHtml(g.name)).join(', ') : 'none'],
    ['matrix', `${escapeHtml(run.run.matrix.name)} <code>${escapeHtml(run.run.matrix.hash)}</code>`],
    ['backends', escapeHtml(run.run.backends.join(', '))],
    ['time', `${escapeHtml(run.run.createdAt)} → ${escapeHtml(run.run.finishedAt ?? '?')}`],
    ['cases', `${s.records}: ${status}`],
    ['precision', `${s.precision.pass} pass, ${s.precision.fail > 0 ? `<span class="flag">${s.precision.fail} FAIL</span>` : '0 fail'}`],
    ['timing', `${timed.length} timed, ${notConverged} did not reach their noise target`],
    ['baseline', input.baseline ? `<code>${escapeHtml(input.baseline.run.id)}</code> (${escapeHtml(input.baseline.run.machine.key)}, ${escapeHtml(input.baseline.run.createdAt)})` : escapeHtml(input.noBaselineReason ?? 'none')],
  ];
  if (input.ceilings) {
    const c = Object.entries(input.ceilings.ceilings)
      .map(([b, v]) => {
        const mm = Object.entries(v.matmul)
          .map(([d, r]) => `${escapeHtml(d)} ${escapeHtml(fmt(r?.gflops))} GFLOP/s`)
          .join(', ');
        return `${escapeHtml(b)}: ${mm || 'no matmul peak'}; copy ${escapeHtml(fmt(v.copy?.gbps))} GB/s (${escapeHtml(v.measuredAt)})`;
      })
      .join('<br>');
    rows.push(['ceilings', c]);
  } else {
    rows.push(['ceilings', 'not calibrated (run <code>abw calibrate</code>): no % of ceiling, no roofs']);
  }
  return `<section id="summary"><h2>Summary</h2>${kv(rows)}</section>`;
}

const VERDICT_ORDER: readonly TimeVerdict[] = ['regression', 'ambiguous', 'improvement', 'new', 'missing', 'unmeasured', 'same'];

function rowHtml(r: ComparisonRow): string {
  const ci = r.ratio !== undefined ? `${fmt(r.ratio)} <span class="muted">[${fmt(r.ratioLow)}, ${fmt(r.ratioHigh)}]</span>` : '–';
  const flags = [...r.flags, ...(r.statusChange ? [r.statusChange] : [])];
  return `<tr>
<td>${escapeHtml(r.label)}</td><td>${escapeHtml(r.backend)}</td><td>${escapeHtml(r.dtype)}</td>
<td class="num">${escapeHtml(fmtNs(r.base?.medianNs))}</td><td class="num">${escapeHtml(fmtNs(r.current?.medianNs))}</td>
<td class="num">${ci}</td><td class="num">${escapeHtml(fmt(r.p, 2))}</td><td class="num">±${escapeHtml(fmtPct(r.threshold))}</td>
<td class="verdict" style="color:${VERDICT_COLORS[r.verdict]}">${escapeHtml(r.verdict)}</td>
<td>${escapeHtml(r.base?.precision ?? '–')} → ${escapeHtml(r.current?.precision ?? '–')}</td>
<td class="flag">${escapeHtml(flags.join(', '))}</td></tr>`;
}

const HEAD = `<tr><th>case</th><th>backend</th><th>dtype</th><th>baseline median</th><th>new median</th><th>new / baseline [95% CI]</th><th>p (U test)</th><th>threshold</th><th>verdict</th><th>precision</th><th>flags</th></tr>`;

export function sortComparisonRows(rows: readonly ComparisonRow[]): ComparisonRow[] {
  const rank = (r: ComparisonRow) => (r.regressed ? -1 : VERDICT_ORDER.indexOf(r.verdict));
  return rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => rank(a.r) - rank(b.r) || (b.r.ratio ?? 0) - (a.r.ratio ?? 0) || a.i - b.i)
    .map((x) => x.r);
}

function comparisonSection(c: Comparison | undefined, reason: string | undefined): string {
  if (!c) return `<section id="comparison"><h2>Comparison with the baseline</h2><p class="muted">${escapeHtml(reason ?? 'no baseline')}</p></section>`;
  const counts = VERDICT_ORDER.map((v) => `<span style="color:${VERDICT_COLORS[v]}"><b>${c.counts[v]}</b> ${escapeHtml(v)}</span>`).join('');
  const sorted = sortComparisonRows(c.rows);
  const changed = sorted.filter((r) => r.verdict !== 'same' || r.regressed || r.flags.length > 0);
  const same = sorted.filter((r) => !changed.includes(r));
  const warnings = c.warnings.map((w) => `<div class="warn">${escapeHtml(w)}</div>`).join('');
  return `<section id="comparison"><h2>Comparison with the baseline</h2>
<p>baseline <code>${escapeHtml(c.base.runId)}</code> (${escapeHtml(c.base.machine)}) → new <code>${escapeHtml(c.current.runId)}</code> (${escapeHtml(c.current.machine)}).
A case is a regression or improvement only when the bootstrap ${escapeHtml(fmtPct(c.level))} CI of new / baseline lies beyond 1 ± its threshold (default ±${escapeHtml(fmtPct(c.threshold.default))})
and the Mann–Whitney U test gives p &lt; ${escapeHtml(fmt(c.alpha))}; ambiguous when only one holds.</p>
<p class="counts">${counts}<span><b class="flag">${c.precisionFlips}</b> precision pass → fail</span><span><b class="flag">${c.broken}</b> broken</span></p>
${warnings}
<table>${HEAD}${changed.map(rowHtml).join('')}</table>
${same.length ? `<details><summary>${same.length} unchanged case${same.length === 1 ? '' : 's'}</summary><table>${HEAD}${same.map(rowHtml).join('')}</table></details>` : ''}
</section>`;
}

function figuresSection(figs: readonly ReportFigure[]): string {
  return `<section id="plots"><h2>Plots</h2>${figs
    .map((f, i) => `<figure id="fig-${escapeHtml(f.id)}"><figcaption>${escapeHtml(f.title)}</figcaption><div class="plot" id="plot-${i}"></div></figure>`)
    .join('\n')}</section>`;
}

/** A digest for the CSP: base64 of the SHA-256 of the UTF-8 text (node:crypto in Node, a pure hash in the browser). */
export type Sha256Base64 = (text: string) => string;

/**
 * The whole report as one HTML document. `sha256Base64` hashes the two inline scripts for the
 * Content-Security-Policy; it is a parameter so this module has no Node imports and the
 * JupyterLab extension builds the very same document in the browser.
 */
export function renderReportDocument(input: ReportInput, plotlyJs: string, sha256Base64: Sha256Base64): string {
  const figs = reportFigures(input);
  const plotly = inlineableScript(plotlyJs);
  const hash = (s: string) => `'sha256-${sha256Base64(s)}'`;
  const csp = [
    "default-src 'none'",
    `script-src ${hash(plotly)} ${hash(BOOT)}`,
    "style-src 'unsafe-inline'",
    'img-src data: blob:',
    'font-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const run: RunFile = input.run;
  const title = `abw report: ${run.run.matrix.name} on ${run.run.machine.key}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="abw">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head><body>
<header><h1>${escapeHtml(title)}</h1>
<p class="muted">run <code>${escapeHtml(run.run.id)}</code>, generated ${escapeHtml(input.generatedAt)}. Self-contained: opens offline; hover a point for the case's full parameters.</p>
<nav><a href="#summary">Summary</a><a href="#comparison">Comparison</a>${figs.map((f) => `<a href="#fig-${escapeHtml(f.id)}">${escapeHtml(f.title)}</a>`).join('')}</nav></header>
${summarySection(input)}
${comparisonSection(input.comparison, input.noBaselineReason)}
${figuresSection(figs)}
<script>${plotly}</script>
<script type="application/json" id="abw-figures">${jsonForScript(figs.map((f) => f.figure))}</script>
<script>${BOOT}</script>
</body></html>
`;
}
