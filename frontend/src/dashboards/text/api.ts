// What the text dashboard gets from /api/text.

/** A text value: a string (Markdown), or nested lists of strings (a 1-D or 2-D tensor, or deeper). */
export type TextValue = string | TextValue[];

export interface TextPoint {
  step: number;
  wall_time: number;
  text: TextValue;
}
