// What the PR curves dashboard gets from /api/pr_curves: one curve per step, its counts per threshold, and the
// ROC curve's false-positive rate and both areas (null where undefined).

export interface PrPoint {
  step: number;
  wall_time: number;
  thresholds: number[];
  precision: number[];
  recall: number[];
  true_positives: number[];
  false_positives: number[];
  true_negatives: number[];
  false_negatives: number[];
  fpr: number[];
  pr_auc: number | null;
  roc_auc: number | null;
}

/** The chart drawn: precision over recall (TensorBoard's), or the ROC curve. */
export type CurveKind = "pr" | "roc";

/** A run's curve at the step chosen for it. */
export interface RunCurve {
  run: string;
  point: PrPoint;
}

/** The curve's points as drawn: x and y per threshold; the ROC curve ends at (0, 0) (no threshold there). */
export function curveXY(point: PrPoint, kind: CurveKind): [number[], number[]] {
  if (kind === "pr") return [point.recall, point.precision];
  return [[...point.fpr, 0], [...point.recall, 0]];
}
