// What a typed param accepts. A param is a string, a number or a boolean, and may list its
// choices; a value — a default in the workflow, `-p name=value`, a line of a params file — is
// checked as the text the step will see, and never rewritten: the step sees what was given.
// The loader checks defaults and choices with these rules, resolveParamValues the values a
// run is given, so both say the same thing in the same words.
import { z } from "zod";

export const ParamTypeSchema = z
  .enum(["string", "number", "boolean"], {
    error: "expected string, number or boolean",
  })
  .describe(
    "What the param's value must be: string (anything), number (decimal, e.g. 3, -2.5, 1e3) or boolean (true or false); default: the default's type, else the choices', else string",
  );
export type ParamType = z.infer<typeof ParamTypeSchema>;

/**
 * A decimal number as YAML 1.2 writes one: an optional sign, digits with an optional fraction
 * (or a fraction alone), an optional exponent. No hexadecimal or octal (`0x10`), no `.inf`,
 * `Infinity` or `NaN`, no spaces or `_` separators, not empty.
 */
const NUMBER_PATTERN = /^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$/;

/** Whether `text` is a number a `type: number` param accepts (finite: not `1e999`). */
export function isParamNumber(text: string): boolean {
  return NUMBER_PATTERN.test(text) && Number.isFinite(Number(text));
}

/** A YAML value's own type, for inferring a param's: undefined for anything not a scalar. */
function scalarType(value: unknown): ParamType | undefined {
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "boolean";
  return undefined;
}

/**
 * A param's type: the one it declares, else its default's YAML type, else its choices' when
 * they all have one, else string.
 */
export function inferParamType(spec: {
  readonly type?: unknown;
  readonly default?: unknown;
  readonly choices?: unknown;
}): ParamType {
  const declared = ParamTypeSchema.safeParse(spec.type);
  if (declared.success) return declared.data;
  const fromDefault = scalarType(spec.default);
  if (fromDefault !== undefined) return fromDefault;
  if (Array.isArray(spec.choices) && spec.choices.length > 0) {
    const types = new Set(spec.choices.map(scalarType));
    const [only] = types;
    if (types.size === 1 && only !== undefined) return only;
  }
  return "string";
}

/** What a value of `type` must be, in the words of a message: "a number". */
export function expectedForType(type: ParamType): string {
  switch (type) {
    case "number":
      return "a number";
    case "boolean":
      return "true or false";
    default:
      return "a string";
  }
}

/** `coarse, medium, fine` — a choice list as the messages show it. */
export function formatChoices(choices: readonly string[]): string {
  return choices
    .map((choice) => (/^[^\s,"]+$/.test(choice) ? choice : JSON.stringify(choice)))
    .join(", ");
}

/**
 * Why `text` is not a value of a param of `type` with `choices` (both as the step would see
 * them): what was expected, and the candidates for a "did you mean"; undefined when it is.
 * Choices are matched exactly as written: `4.0` is not the choice `4`, so a script that
 * tests `case $n in 4)` never meets a value it did not list.
 */
export function paramValueProblem(
  text: string,
  type: ParamType,
  choices: readonly string[] | undefined,
): { expected: string; candidates: readonly string[] } | undefined {
  if (type === "number" && !isParamNumber(text)) {
    return { expected: expectedForType(type), candidates: [] };
  }
  if (type === "boolean" && text !== "true" && text !== "false") {
    // "True" and "ture" are near misses worth naming; "yes" and "1" are not.
    return { expected: expectedForType(type), candidates: ["true", "false"] };
  }
  if (choices !== undefined && !choices.includes(text)) {
    // A typo is worth naming in a word ("fin" → "fine"), not in a number (4 → 1).
    return {
      expected: `one of ${formatChoices(choices)}`,
      candidates: type === "string" ? choices : [],
    };
  }
  return undefined;
}
