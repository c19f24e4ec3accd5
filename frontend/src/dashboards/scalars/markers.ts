// Alert markers on a scalar chart: a dashed vertical line in the run's colour at each alert's step (its time on
// a time axis), with the rule's name at the top, drawn over the plot by a uPlot plugin.

import type uPlot from "uplot";
import type { Alert } from "../../api";
import type { XAxis } from "../../settings";
import type { RunLine } from "./series";

const DANGER = "#cf222e";

/** Where `alert` sits on the x axis `x` of `line` (null when it cannot be placed). */
function xOf(alert: Alert, line: RunLine, x: XAxis): number | null {
  if (x === "step") return alert.step;
  if (!Number.isFinite(alert.wall_time)) return null;
  return x === "wall" ? alert.wall_time : alert.wall_time - line.startTime;
}

/** The plugin: `alerts()` are the chart's tag's alerts, `lines()` its runs as drawn, `axis()` its x axis;
 * `drawn(n)` is told how many markers each draw placed. */
export function alertMarkers(
  alerts: () => readonly Alert[],
  lines: () => RunLine[],
  axis: () => XAxis,
  drawn: (count: number) => void,
): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u: uPlot) => {
          const shown = new Map(lines().map((line) => [line.run, line]));
          const { ctx } = u;
          const { top, height } = u.bbox;
          ctx.save();
          ctx.setLineDash([4, 3]);
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
          ctx.textAlign = "left";
          ctx.textBaseline = "top";
          let count = 0;
          for (const alert of alerts()) {
            const line = shown.get(alert.run);
            const x = line ? xOf(alert, line, axis()) : null;
            if (!line || x === null) continue;
            const { min, max } = u.scales.x;
            if (min == null || max == null || x < min || x > max) continue;
            const px = u.valToPos(x, "x", true);
            ctx.strokeStyle = line.color;
            ctx.beginPath();
            ctx.moveTo(px, top);
            ctx.lineTo(px, top + height);
            ctx.stroke();
            ctx.fillStyle = DANGER;
            ctx.fillText(`⚠ ${alert.rule}`, px + 3 * devicePixelRatio, top + 2 * devicePixelRatio);
            count++;
          }
          ctx.restore();
          drawn(count);
        },
      ],
    },
  };
}
