// A chart answer as uPlot draws it. Multiline: a faint raw and a solid smoothed line per (run, tag), as the scalars
// draw a run (their toPlotData). Margin: per (run, value tag), the value's line over a band from its lower to its
// upper series. A chart of one run colours its tags; otherwise a line has its run's colour and a dash per tag.

import type uPlot from "uplot";
import { runColor, withAlpha } from "../../colors";
import { naturalCompare } from "../../order";
import type { ScalarsResponse } from "../scalars/api";
import { toPlotData, type RunLine } from "../scalars/series";
import type { ChartResponse, ChartSeries, MarginSeries } from "./api";

/** One drawn series: a run's tag. */
export interface Line extends RunLine {
  tag: string;
  dash: number[];
}

/** A margin chart's value line with its bounds, for the tooltip. */
export interface MarginGroup {
  run: string;
  tag: string;
  color: string;
  value: Line | null;
  lower: Line | null;
  upper: Line | null;
}

export interface Drawn {
  /** What the legend lists and the tooltip reads. */
  lines: Line[];
  groups: MarginGroup[];
  data: uPlot.AlignedData;
  series: uPlot.Series[];
  bands: uPlot.Band[];
  /** uPlot series from this index on get a hover dot. */
  hoverFrom: number;
}

const TAG_COLORS = [
  "#4e79a7", "#f28e2b", "#e15759", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#8c8c8c",
];
/** Dash patterns telling apart the tags of one run (solid first). */
export const DASHES: number[][] = [[], [7, 3], [2, 3], [10, 3, 2, 3], [1, 5]];

/** The answer's series sorted by run then tag order, without the rank band (a merged run draws its mean). */
function plain(response: ChartResponse): { sorted: ChartSeries[]; plot: ScalarsResponse } {
  const order = new Map(response.tags.map((tag, i) => [tag, i]));
  const sorted = [...response.series].sort(
    (a, b) => naturalCompare(a.run, b.run) || (order.get(a.tag) ?? 0) - (order.get(b.tag) ?? 0),
  );
  const series = sorted.map(({ run, count, full, start_time, step, wall_time, value, smoothed }) => ({
    run, count, full, start_time, step, wall_time, value, smoothed,
  }));  // prettier-ignore
  return { sorted, plot: { tag: "", x: response.x, smoothing: response.smoothing, generation: response.generation, series } };
}

/** Colour and dash of the `index`th of `kinds` tags (or margin series) of `run`, in a chart of `runs` runs: one
 * run's tags get colours of their own; otherwise the run's colour, and a dash per tag. */
function look(run: string, index: number, runs: number, kinds: number): { color: string; dash: number[] } {
  if (runs === 1 && kinds > 1) return { color: TAG_COLORS[index % TAG_COLORS.length], dash: [] };
  return { color: runColor(run), dash: DASHES[index % DASHES.length] };
}

const countRuns = (series: readonly ChartSeries[]) => new Set(series.map((s) => s.run)).size;

export function multiline(response: ChartResponse, logY: boolean): Drawn {
  const { sorted, plot } = plain(response);
  const { lines: runLines, data } = toPlotData(plot, logY);
  const runs = countRuns(sorted);
  const lines: Line[] = runLines.map((l, i) => {
    const tag = sorted[i].tag;
    return { ...l, tag, ...look(l.run, response.tags.indexOf(tag), runs, response.tags.length) };
  });
  const series: uPlot.Series[] = [{}];
  for (const l of lines) {
    series.push({ label: `${l.run} · ${l.tag}`, stroke: withAlpha(l.color, 0.25), width: 1, dash: l.dash, points: { show: false } });
  }
  for (const l of lines) series.push({ label: `${l.run} · ${l.tag} (smoothed)`, stroke: l.color, width: 2, dash: l.dash });
  return { lines, groups: [], data, series, bands: [], hoverFrom: 1 + lines.length };
}

export function margin(response: ChartResponse, triples: readonly MarginSeries[], logY: boolean): Drawn {
  const { sorted, plot } = plain(response);
  const { lines: runLines, data } = toPlotData(plot, logY);
  const runNames = [...new Set(sorted.map((s) => s.run))];
  const columns: uPlot.AlignedData[number][] = [data[0]];
  const series: uPlot.Series[] = [{}];
  const bands: uPlot.Band[] = [];
  const lines: Line[] = [];
  const groups: MarginGroup[] = [];
  triples.forEach((triple, k) => {
    for (const run of runNames) {
      const at = (tag: string | undefined) => (tag ? sorted.findIndex((s) => s.run === run && s.tag === tag) : -1);
      const [value, lower, upper] = [at(triple.value), at(triple.lower), at(triple.upper)];
      if (value < 0 && lower < 0 && upper < 0) continue;
      const { color: tinted, dash } = look(run, k, runNames.length, triples.length);
      const add = (i: number, role: "value" | "lower" | "upper"): Line | null => {
        if (i < 0) return null;
        const line: Line = { ...runLines[i], tag: sorted[i].tag, color: tinted, dash };
        lines.push(line);
        columns.push(data[1 + i]);
        series.push(
          role === "value"
            ? { label: `${run} · ${line.tag}`, stroke: tinted, width: 2, dash }
            : { label: `${run} · ${line.tag} (${role})`, stroke: withAlpha(tinted, 0.45), width: 1, dash, points: { show: false } },
        );
        return line;
      };
      const group: MarginGroup = { run, tag: triple.value ?? "", color: tinted, value: null, lower: null, upper: null };
      group.lower = add(lower, "lower");
      const lowerIndex = series.length - 1;
      group.upper = add(upper, "upper");
      const upperIndex = series.length - 1;
      group.value = add(value, "value");
      if (group.lower && group.upper) bands.push({ series: [upperIndex, lowerIndex], fill: withAlpha(tinted, 0.15) });
      groups.push(group);
    }
  });
  return { lines, groups, data: columns as uPlot.AlignedData, series, bands, hoverFrom: 1 };
}
