// The page's dashboards, by name: the one table a new dashboard is added to (its folder holds the rest).

import { customScalars } from "./custom_scalars";
import { distributions } from "./distributions";
import { histograms } from "./histograms";
import { prCurves } from "./pr_curves";
import { scalars } from "./scalars";
import { text } from "./text";
import type { DashboardModule } from "./types";

export const DASHBOARDS: Record<string, DashboardModule> = Object.fromEntries(
  [scalars, histograms, distributions, text, prCurves, customScalars].map((module) => [module.name, module]),
);
