/**
 * The same cases across machines: median time per call with its 95% CI, one bar group per case
 * and one colour per machine. Input is the records table of many runs (results/load-runs.ts);
 * where a machine has several runs, its newest run counts.
 */
import * as aq from 'arquero';
import { recordsTable, type RecordRow, type RecordsTable } from '../results/load-runs';
import type { RunFile } from '../results/record';
import { axisType, caseNames, color, emptyFigure, escapeText, fmt, fmtNs, paramsText, shapesText, timeUnit, type Figure, type Trace } from './units';

export interface CrossMachineOptions {
  /** Only these case keys (default: cases measured on the most machines). */
  readonly keys?: readonly string[];
  readonly ops?: readonly string[];
  /** At most this many cases, default 40. */
  readonly maxCases?: number;
}

function isTable(x: unknown): x is RecordsTable {
  return !!x && typeof (x as RecordsTable).objects === 'function' && typeof (x as RecordsTable).numRows === 'function';
}

export function crossMachine(input: RecordsTable | readonly RunFile[], options: CrossMachineOptions = {}): Figure {
  const title = 'The same cases across machines (median time per call, 95% CI)';
  const table = isTable(input) ? input : recordsTable(input);
  // Newest run per machine: order by run time, keep the last row of each (machine, key).
  const ok = table.filter((d: RecordRow) => d.status === 'ok' && (d.medianNs as number) > 0).orderby('runCreatedAt');
  const latest = new Map<string, RecordRow>();
  for (const row of ok.objects() as RecordRow[]) {
    if (options.ops && !options.ops.includes(row.op as string)) continue;
    if (options.keys && !options.keys.includes(row.key as string)) continue;
    latest.set(`${row.machine as string}\u0000${row.key as string}`, row);
  }
  const rows = [...latest.values()];
  if (rows.length === 0) return emptyFigure(title, 'no measured cases in these results', 'case', 'median time per call (ns)');
  // Cases on the most machines first, then in table order.
  const byCase = aq
    .from(rows.map((r) => ({ key: r.key, machine: r.machine })))
    .groupby('key')
    .rollup({ machines: aq.op.distinct('machine') })
    .orderby(aq.desc('machines'))
    .objects() as { key: string; machines: number }[];
  const keys = byCase.slice(0, options.maxCases ?? 40).map((c) => c.key);
  const keySet = new Set(keys);
  const machines = [...new Set(rows.map((r) => r.machine as string))].sort();
  const first = new Map<string, RecordRow>();
  for (const r of rows) if (keySet.has(r.key as string) && !first.has(r.key as string)) first.set(r.key as string, r);
  const names = caseNames(keys.map((k) => ({ label: first.get(k)!.label as string, backend: first.get(k)!.backend as string, dtype: first.get(k)!.dtype as string })));
  const nameOf = new Map(keys.map((k, i) => [k, names[i] as string]));
  const unit = timeUnit(rows.map((r) => r.medianNs as number));
  const data: Trace[] = machines.map((m, i) => {
    const rs = keys.map((k) => latest.get(`${m}\u0000${k}`)).filter((r): r is RecordRow => !!r);
    return {
      type: 'bar',
      name: `machine ${escapeText(m, 80)}`,
      x: rs.map((r) => nameOf.get(r.key as string)),
      y: rs.map((r) => (r.medianNs as number) / unit.ns),
      error_y: {
        type: 'data',
        symmetric: false,
        array: rs.map((r) => Math.max(0, (r.ciHighNs as number) - (r.medianNs as number)) / unit.ns),
        arrayminus: rs.map((r) => Math.max(0, (r.medianNs as number) - (r.ciLowNs as number)) / unit.ns),
      },
      marker: { color: color(i) },
      hovertext: rs.map((r) =>
        [
          `<b>${escapeText(r.label)}</b>`,
          `${escapeText(r.op)} · ${escapeText(r.backend)} · ${escapeText(r.dtype)}`,
          `shapes: ${shapesText(JSON.parse(r.shapes as string))}`,
          `params: ${paramsText(JSON.parse(r.params as string)) || '(none)'}`,
          `machine ${escapeText(m, 80)}, run ${escapeText(r.runId, 80)}`,
          `median ${fmtNs(r.medianNs as number)} [${fmtNs(r.ciLowNs as number)}, ${fmtNs(r.ciHighNs as number)}]`,
          `${fmt(r.gflops as number | null)} GFLOP/s, ${fmt(r.gbps as number | null)} GB/s`,
        ].join('<br>'),
      ),
      hoverinfo: 'text',
    };
  });
  const ys = rows.filter((r) => keySet.has(r.key as string)).map((r) => (r.medianNs as number) / unit.ns);
  return {
    data,
    layout: {
      title: { text: machines.length > 1 ? title : `${title}: only one machine in these results` },
      barmode: 'group',
      xaxis: { title: { text: 'case (label · backend · dtype)' }, type: 'category', categoryarray: names, automargin: true, tickangle: -35 },
      yaxis: { title: { text: `median time per call (${unit.unit})` }, type: axisType(ys), automargin: true },
      height: 560,
      showlegend: true,
      hovermode: 'closest',
    },
  };
}
