import type { TopLevelSpec } from 'vega-lite';
import type { ModelEngineResult } from './runner.js';

/** A grouped bar chart: one group per set, one bar per model × engine, real-token kTok/s (higher is better). */
export function speedChartSpec(results: readonly ModelEngineResult[]): TopLevelSpec {
  const values = results.flatMap((result) =>
    result.datasets.map((timing) => ({
      dataset: timing.dataset,
      series: `${result.model} · ${result.engine}`,
      ktokPerSecReal: Number(timing.ktokPerSecReal.toFixed(4)),
      batchSize: timing.batchSize,
    })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: 'Inference speed: thousands of real tokens per second (higher is better)',
      anchor: 'start',
    },
    data: { values },
    mark: 'bar',
    width: 480,
    height: 280,
    encoding: {
      x: { field: 'dataset', type: 'nominal', title: 'set', sort: null, axis: { labelAngle: 0 } },
      xOffset: { field: 'series', type: 'nominal' },
      y: { field: 'ktokPerSecReal', type: 'quantitative', title: 'kTok/s (real tokens)' },
      color: {
        field: 'series',
        type: 'nominal',
        title: 'model · engine',
        legend: { labelLimit: 0, orient: 'bottom', columns: 2 },
      },
      tooltip: [
        { field: 'series' },
        { field: 'dataset' },
        { field: 'ktokPerSecReal' },
        { field: 'batchSize' },
      ],
    },
  };
}

/** Renders the chart to an SVG string headless (Vega's SVG renderer needs no canvas or browser). */
export async function renderSpeedChart(results: readonly ModelEngineResult[]): Promise<string> {
  const [{ compile }, { parse, View }] = await Promise.all([import('vega-lite'), import('vega')]);
  const view = new View(parse(compile(speedChartSpec(results)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
