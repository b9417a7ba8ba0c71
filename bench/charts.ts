/**
 * Charts of the benchmark as SVG files: a Vega-Lite spec rendered by Vega in Node, with no
 * browser and no canvas (vega-lite compiles the spec, vega renders it headless).
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';

/** One point of a line: `series` at `x` in the panel `panel`. */
export interface ChartPoint {
  readonly panel: string;
  readonly series: string;
  readonly x: number;
  readonly y: number;
}

export interface LineChart {
  readonly title: string;
  readonly xTitle: string;
  readonly yTitle: string;
  /** Panels side by side, in this order. */
  readonly panels: readonly string[];
  /** Series in legend order, with their colours. */
  readonly series: readonly { readonly name: string; readonly color: string }[];
  readonly points: readonly ChartPoint[];
}

/** The chart as SVG text. */
export async function lineChartSvg(chart: LineChart): Promise<string> {
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: chart.title,
    background: 'white',
    data: { values: chart.points },
    facet: {
      column: { field: 'panel', type: 'nominal', title: null, sort: chart.panels },
    },
    spec: {
      width: 380,
      height: 200,
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.5 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: chart.xTitle },
        y: { field: 'y', type: 'quantitative', title: chart.yTitle },
        color: {
          field: 'series',
          type: 'nominal',
          title: null,
          sort: chart.series.map((series) => series.name),
          scale: {
            domain: chart.series.map((series) => series.name),
            range: chart.series.map((series) => series.color),
          },
          legend: { orient: 'bottom', labelLimit: 260, columns: 3 },
        },
      },
    },
  };
  const compiled = vegaLite.compile(spec as vegaLite.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  return view.toSVG();
}

/** Renders the chart to `path` (its folder is made if need be). */
export async function writeLineChart(path: string, chart: LineChart): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, await lineChartSvg(chart));
}
