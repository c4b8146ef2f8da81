/**
 * The full record of one case: parameters and shapes, status, the pipeline block (RTF, SNR,
 * stages, code match, bit-exactness), timing statistics with a histogram of the raw samples,
 * precision metrics against FP64 and FP32, derived rates, memory, and the machine it ran on.
 * Every value is set as text.
 */
import type { ComparisonRow } from '../../kernel-bridge/src/results/compare';
import type { ErrorMetrics, ResultRecord, RunInfo } from '../../kernel-bridge/src/results/record';
import { escapeText, fmt, fmtBytes, fmtNs, fmtPct } from '../../kernel-bridge/src/plots/units';
import { el, kvTable } from './dom';
import { drawPlot, type PlotFigure } from './plotly-view';

/** The histogram of a case's raw samples (ns per call), as a plotly figure. */
export function samplesHistogram(r: ResultRecord): PlotFigure | undefined {
  const samples = r.timing?.samplesNs ?? [];
  if (samples.length === 0) return undefined;
  const median = r.timing!.stats.median;
  return {
    data: [{ type: 'histogram', x: samples, nbinsx: Math.min(60, Math.max(10, Math.ceil(Math.sqrt(samples.length)))), marker: { color: '#1f77b4' }, name: 'samples' }],
    layout: {
      title: { text: `${escapeText(r.label)}: ${samples.length} samples` },
      height: 300,
      margin: { l: 50, r: 20, t: 40, b: 45 },
      xaxis: { title: { text: 'time per call (ns)' } },
      yaxis: { title: { text: 'samples' } },
      shapes: [{ type: 'line', x0: median, x1: median, yref: 'paper', y0: 0, y1: 1, line: { color: '#d62728', dash: 'dot' } }],
      annotations: [{ x: median, yref: 'paper', y: 1, text: `median ${escapeText(fmtNs(median))}`, showarrow: false, yanchor: 'bottom' }],
    },
  };
}

/** Parameters as plain text for the DOM (units.paramsText escapes for plotly's HTML dialect instead). */
function paramsPlain(params: ResultRecord['params']): string {
  return Object.keys(params)
    .sort()
    .map((k) => `${k}=${JSON.stringify(params[k])}`)
    .join(', ');
}

function shapesPlain(shapes: ResultRecord['shapes']): string {
  return shapes.map((s) => (s ? `[${s.join('×')}]` : '–')).join(', ');
}

function metricsTable(title: string, ms: readonly ErrorMetrics[] | undefined): HTMLElement | undefined {
  if (!ms || ms.length === 0) return undefined;
  const head = ['output', 'max abs', 'max rel', 'rel L2', 'max ULP', 'SNR dB', 'NaN', 'Inf', 'violations', 'worst ratio'];
  const table = el('table', { className: 'abw-metrics' }, [el('tr', {}, head.map((h) => el('th', { text: h })))]);
  for (const m of ms) {
    const cells = [m.output, fmt(m.maxAbs), fmt(m.maxRel), fmt(m.relL2), m.maxUlp === null ? '–' : fmt(m.maxUlp), fmt(m.snrDb), String(m.nanCount), String(m.infCount), `${m.violations} / ${m.count}`, fmt(m.worstRatio)];
    table.append(el('tr', {}, cells.map((c, i) => el('td', { text: c, className: i > 0 ? 'abw-num' : '' }))));
  }
  return el('div', {}, [el('h4', { text: title }), table]);
}

export function renderCaseDetail(r: ResultRecord, run: RunInfo, comparison?: ComparisonRow): HTMLElement {
  const node = el('div', { className: 'abw-case', data: { key: r.key } });
  node.append(el('h3', { text: r.label, className: 'abw-case-title' }));
  const rows: [string, string][] = [
    ['key', r.key],
    ['kind / op', `${r.kind} ${r.op}`],
    ['backend', r.backend],
    ['dtype', r.dtype],
    ['params', paramsPlain(r.params) || '–'],
    ['shapes', shapesPlain(r.shapes)],
    ['status', r.status + (r.reason ? `: ${r.reason}` : '')],
    ['seed', String(r.seed)],
    ['started', `${r.startedAt} (${fmt(r.durationMs)} ms)`],
  ];
  if (r.error) rows.push(['error', `${r.error.code}: ${r.error.message}${r.error.stderr ? `\n${r.error.stderr}` : ''}`]);
  if (r.rtf !== undefined) rows.push(['real-time factor', `${fmt(r.rtf)} (${fmt(r.audioSeconds)} s of audio)`]);
  node.append(el('h4', { text: 'Case' }), kvTable(rows));

  if (comparison) {
    node.append(
      el('h4', { text: 'Against the baseline' }),
      kvTable([
        ['verdict', comparison.verdict + (comparison.direction ? ` (${comparison.direction})` : '')],
        ['baseline median', fmtNs(comparison.base?.medianNs)],
        ['new median', fmtNs(comparison.current?.medianNs)],
        ['new / baseline [95% CI]', comparison.ratio === undefined ? '–' : `${fmt(comparison.ratio)} [${fmt(comparison.ratioLow)}, ${fmt(comparison.ratioHigh)}]`],
        ['p (Mann–Whitney U)', fmt(comparison.p, 2)],
        ['threshold', `±${fmtPct(comparison.threshold)}`],
        ['precision', comparison.precisionChange],
        ['flags', [...comparison.flags, ...(comparison.statusChange ? [comparison.statusChange] : [])].join(', ') || '–'],
      ]),
    );
  }

  const pl = r.pipeline;
  if (pl) {
    const rows: [string, string][] = [
      ['pipeline', `${pl.name} (${pl.weights} weights)`],
      ['× real time', fmt(pl.xRealTime)],
      ['latency median / p90 / p99', `${fmt(pl.latencyMs.median)} / ${fmt(pl.latencyMs.p90)} / ${fmt(pl.latencyMs.p99)} ms`],
      ['output SNR vs FP64 / vs FP32', `${fmt(pl.snrVsFp64Db)} / ${pl.snrVsFp32Db === undefined ? '–' : fmt(pl.snrVsFp32Db)} dB`],
      ['device ops / round trips per run', `${pl.deviceOps} / ${pl.roundTrips}`],
      ['host stages', pl.hostStages.join('; ') || 'none'],
    ];
    if (pl.segments?.length) rows.push(['stages', pl.segments.map((g) => (g.mode === 'one-call' ? `${g.name}: one call of ${g.ops} ops` : `${g.name}: op by op (${g.reason})`)).join('; ')]);
    if (pl.streams !== undefined) rows.push(['streams asked / concurrent', `${pl.streams} / ${pl.streamsEffective ?? '–'}`]);
    if (pl.codeMatch) rows.push(['code match per codebook', pl.codeMatch.map((v) => fmtPct(v)).join(', ')]);
    if (pl.bitExact) rows.push(['integer matmuls bit-exact', `${pl.bitExact.exact ? 'yes' : 'no'} (${pl.bitExact.mismatches} mismatches in ${pl.bitExact.taps} taps)`]);
    node.append(el('h4', { text: 'Pipeline' }), kvTable(rows));
  }

  const t = r.timing;
  if (t) {
    const s = t.stats;
    node.append(
      el('h4', { text: 'Timing' }),
      kvTable([
        ['timer / mode', `${t.timer}, ${t.mode}, ${t.iterationsPerSample} iterations per sample`],
        ['median [95% CI]', `${fmtNs(s.median)} [${fmtNs(s.ciLow)}, ${fmtNs(s.ciHigh)}], ±${fmtPct(s.relHalfWidth)}`],
        ['mean ± stdev', `${fmtNs(s.mean)} ± ${fmtNs(s.stdev)}`],
        ['min / p05 / p90 / p99 / max', [s.min, s.p05, s.p90, s.p99, s.max].map(fmtNs).join(' / ')],
        ['MAD / IQR / outliers', `${fmtNs(s.mad)} / ${fmtNs(s.iqr)} / ${s.outliers}`],
        ['converged', `${t.converged ? 'yes' : 'no'} (target ±${fmtPct(t.targetRelHalfWidth)}, n = ${s.n})`],
      ]),
    );
    const hist = samplesHistogram(r);
    if (hist) {
      const plot = el('div', { className: 'abw-case-hist' });
      node.append(plot);
      void drawPlot(plot, hist);
    }
  }

  const p = r.precision;
  if (p) {
    node.append(
      el('h4', { text: 'Precision' }),
      kvTable([
        ['verdict', p.verdict + (p.reason ? `: ${p.reason}` : '')],
        ['tolerance', `${p.family}: atol ${fmt(p.atol)}, rtol ${fmt(p.rtol)}${p.rmsRtol !== undefined ? `, rms rtol ${fmt(p.rmsRtol)}` : ''}`],
      ]),
    );
    for (const m of [metricsTable('vs FP64 oracle', p.vsFp64), metricsTable('vs the FP32 path', p.vsFp32), metricsTable('FP32 path vs FP64', p.fp32VsFp64)]) if (m) node.append(m);
  }

  if (r.derived || r.memory) {
    const d: [string, string][] = [];
    if (r.derived) d.push(['FLOPs / bytes', `${fmt(r.derived.flops)} / ${fmtBytes(r.derived.bytes)}`], ['GFLOP/s / GB/s', `${fmt(r.derived.gflops)} / ${fmt(r.derived.gbps)}`], ['% of peak FLOP/s / bandwidth', `${fmtPct(r.derived.pctPeakFlops)} / ${fmtPct(r.derived.pctPeakBandwidth)}`]);
    if (r.memory) d.push(['host RSS delta / peak', `${fmtBytes(r.memory.hostRssDeltaBytes)} / ${fmtBytes(r.memory.hostPeakRssBytes)}`], ['native peak', fmtBytes(r.memory.nativePeakBytes)], ['device peak', fmtBytes(r.memory.devicePeakBytes)]);
    node.append(el('h4', { text: 'Rates and memory' }), kvTable(d));
  }

  const m = run.machine;
  node.append(
    el('h4', { text: 'Environment' }),
    kvTable([
      ['machine', m.key],
      ['cpu', `${m.cpu.model} (${m.cpu.cores} cores, ${m.cpu.logicalCores} logical), ${fmtBytes(m.memoryBytes)}`],
      ['os', `${m.os.platform} ${m.os.release} ${m.os.arch}`],
      ['software', `node ${m.node}, ${m.compiler}, abw ${m.abwVersion}${m.gitCommit ? `, commit ${m.gitCommit}` : ''}`],
      ['libraries', Object.entries(m.libraries).map(([k, v]) => `${k} ${v}`).join(', ') || '–'],
      ['gpus', m.gpus.map((g) => g.name).join(', ') || 'none'],
      ['run', `${run.id} (${run.matrix.name})`],
    ]),
  );
  return node;
}
