// For cards that show one step at a time (text, PR curves): every step of a tag (`/api/<kind>/steps`), the data
// of chosen steps, and the Stepper: a slider over every logged step, a box to type an exact step, and
// "step S (i of n)". It starts at the latest step and stays there as new steps arrive (TensorBoard #3837) until
// the user picks another.

import { fetchPoints, getJson } from "./api";
import { element } from "./dom";
import { formatStep } from "./format";

export interface StepsResponse {
  run: string;
  tag: string;
  /** Every point of the tag. */
  total: number;
  /** The steps listed (for text with a search: those whose text holds it), in logged order. */
  steps: number[];
}

/** `/api/<kind>/steps`: every step of a tag of a run, or, with a search `q` (text only), those matching it. */
export function fetchSteps(kind: string, run: string, tag: string, q = "", signal?: AbortSignal) {
  const params = new URLSearchParams({ run, tag });
  if (q) params.set("q", q);
  return getJson<StepsResponse>(`/api/${kind}/steps?${params}`, signal);
}

/** The points of the steps `from`..`to`, every one logged in that range. */
export async function fetchStepRange<P>(kind: string, run: string, tag: string, from: number, to: number, signal?: AbortSignal) {
  const answer = await fetchPoints<P>(kind, { run, tag, range: { min: from, max: to } }, signal);
  return answer.points;
}

export class Stepper {
  readonly el: HTMLDivElement;
  private readonly slider: HTMLInputElement;
  private readonly exact: HTMLInputElement;
  private readonly label: HTMLSpanElement;
  private steps: number[] = [];
  private index = -1;
  /** The user has not picked a step: show the latest, whatever arrives. */
  private latest = true;

  /** `changed` is called with the step when the user picks one. */
  constructor(private readonly changed: (step: number) => void) {
    this.el = element("div", "stepper");
    this.slider = element("input", "stepper-slider");
    this.slider.type = "range";
    this.slider.min = "0";
    this.slider.step = "1";
    this.slider.setAttribute("aria-label", "Step");
    this.slider.addEventListener("input", () => this.pick(Number(this.slider.value)));
    this.exact = element("input", "stepper-exact");
    this.exact.type = "number";
    this.exact.step = "1";
    this.exact.placeholder = "step";
    this.exact.title = "Type a step and press Enter: that step, or the nearest one logged";
    this.exact.setAttribute("aria-label", "Go to step");
    this.exact.addEventListener("change", () => {
      const wanted = Number(this.exact.value);
      if (this.exact.value.trim() !== "" && Number.isFinite(wanted)) this.goTo(wanted);
    });
    this.label = element("span", "stepper-label");
    this.el.append(this.slider, this.exact, this.label);
    this.update();
  }

  /** The step shown, or null when there is none. */
  get step(): number | null {
    return this.index >= 0 ? this.steps[this.index] : null;
  }

  /** The steps listed (in order). */
  get all(): readonly number[] {
    return this.steps;
  }

  /**
   * A new list of steps: keeps the step shown when it is still listed (else the nearest), or the latest while
   * the user has not picked one. Returns whether the step shown changed.
   */
  setSteps(steps: number[]): boolean {
    const before = this.step;
    this.steps = steps;
    if (steps.length === 0) this.index = -1;
    else if (this.latest || before === null) this.index = steps.length - 1;
    else this.index = this.nearest(before);
    this.update();
    return this.step !== before;
  }

  /** Shows the logged step nearest `step` (the user typed it). */
  goTo(step: number): void {
    if (this.steps.length === 0) return;
    this.pick(this.nearest(step));
  }

  private pick(index: number): void {
    if (index < 0 || index >= this.steps.length) return;
    const changed = index !== this.index;
    this.index = index;
    this.latest = index === this.steps.length - 1;
    this.update();
    if (changed) this.changed(this.steps[index]);
  }

  /** The index of the step nearest `step` (the earlier one on a tie). */
  private nearest(step: number): number {
    let best = 0;
    for (let i = 1; i < this.steps.length; i++) {
      if (Math.abs(this.steps[i] - step) < Math.abs(this.steps[best] - step)) best = i;
    }
    return best;
  }

  private update(): void {
    const n = this.steps.length;
    this.slider.max = String(Math.max(0, n - 1));
    this.slider.value = String(Math.max(0, this.index));
    this.slider.disabled = n < 2;
    const step = this.step;
    this.exact.value = step === null ? "" : String(step);
    this.label.textContent = step === null ? "no steps" : `step ${formatStep(step)} (${formatStep(this.index + 1)} of ${formatStep(n)})`;
  }
}
