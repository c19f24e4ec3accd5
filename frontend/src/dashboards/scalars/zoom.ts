// Zoom and pan on the x axis, on top of uPlot's drag-to-zoom:
//   Ctrl/⌘/Alt + wheel (or a trackpad pinch) zooms around the cursor; a plain wheel scrolls the page, except in an
//   expanded chart where it zooms too. Shift + drag, or a middle-button drag, pans. Double-click resets.
// Each only sets the x scale; the chart notices through uPlot's setScale hook and fetches the detail.

import type uPlot from "uplot";
import { element } from "../../dom";

export interface ZoomOptions {
  /** True when a plain wheel should zoom (no page to scroll, e.g. an expanded chart). */
  wheelZooms: () => boolean;
  /** The full x extent of the data: zooming out stops there. Null when unknown. */
  extent: () => { min: number; max: number } | null;
  /** Double-click: back to the whole data. */
  reset: () => void;
}

function showHint(u: uPlot): void {
  let hint = u.root.querySelector<HTMLElement>(".zoom-hint");
  if (!hint) {
    hint = element("div", "zoom-hint", "Ctrl + scroll to zoom");
    u.over.append(hint);
  }
  hint.classList.add("shown");
  window.clearTimeout(Number(hint.dataset.timer));
  hint.dataset.timer = String(window.setTimeout(() => hint.classList.remove("shown"), 1200));
}

function onWheel(u: uPlot, e: WheelEvent, opts: ZoomOptions): void {
  if (!(e.ctrlKey || e.metaKey || e.altKey || opts.wheelZooms())) {
    showHint(u);
    return;
  }
  const { min, max } = u.scales.x;
  if (min == null || max == null) return;
  e.preventDefault();
  const lines = e.deltaMode === WheelEvent.DOM_DELTA_LINE ? 16 : e.deltaMode === WheelEvent.DOM_DELTA_PAGE ? 400 : 1;
  // Exponential in the scroll distance, so a trackpad's many small deltas zoom as smoothly as a wheel's notches.
  const factor = Math.exp(Math.max(-300, Math.min(300, e.deltaY * lines)) * 0.002);
  const at = u.posToVal(e.clientX - u.over.getBoundingClientRect().left, "x");
  let lo = at - (at - min) * factor;
  let hi = at + (max - at) * factor;
  const ext = opts.extent();
  if (ext && factor > 1) {
    if (hi - lo >= ext.max - ext.min) {
      opts.reset();
      return;
    }
    // Zooming out near an end slides the window back inside the data rather than past it.
    if (lo < ext.min) [lo, hi] = [ext.min, ext.min + (hi - lo)];
    if (hi > ext.max) [lo, hi] = [ext.max - (hi - lo), ext.max];
  }
  u.setScale("x", { min: lo, max: hi });
}

function startPan(u: uPlot, e: MouseEvent): void {
  const { min, max } = u.scales.x;
  const width = u.over.clientWidth;
  if (min == null || max == null || width === 0) return;
  const perPixel = (max - min) / width;
  const x0 = e.clientX;
  u.over.classList.add("panning");
  const move = (ev: MouseEvent) => {
    if (!u.root.isConnected) return up(); // the plot was rebuilt (new runs, restyle) during the pan
    const shift = (x0 - ev.clientX) * perPixel;
    u.setScale("x", { min: min + shift, max: max + shift });
  };
  const up = (): void => {
    u.over.classList.remove("panning");
    document.removeEventListener("mousemove", move);
    document.removeEventListener("mouseup", up);
  };
  document.addEventListener("mousemove", move);
  document.addEventListener("mouseup", up);
}

export function zoomPlugin(opts: ZoomOptions): uPlot.Plugin {
  return {
    opts: (_u, o) => {
      o.cursor = {
        ...o.cursor,
        bind: {
          ...o.cursor?.bind,
          mousedown: (u, _targ, handler) => (e) => {
            if ((e.button === 0 && e.shiftKey) || e.button === 1) startPan(u, e);
            else handler(e);
            return null;
          },
          dblclick: () => () => {
            opts.reset();
            return null;
          },
        },
      };
    },
    hooks: {
      init: (u) => {
        u.over.addEventListener("wheel", (e) => onWheel(u, e, opts), { passive: false });
        // uPlot listens passively; this keeps a middle-button press from starting the browser's autoscroll.
        u.over.addEventListener("mousedown", (e) => e.button === 1 && e.preventDefault());
      },
    },
  };
}
