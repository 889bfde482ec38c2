// Validation messages of the draft (keyed by the JSON pointer under the world, e.g. "scenarios/0/steps/1/atS"),
// picked for one step, one assertion or the scenario itself.
import type { FieldMessages } from '../store/problem-index';

/**
 * The messages about `prefix` and everything under it; with `own`, only those about the scenario as a whole or
 * its lists (not about one of its fields, steps or assertions, which show where they are).
 */
export function messagesUnder(problems: FieldMessages, prefix: string, own = false): string[] {
  return Object.entries(problems)
    .filter(([key]) =>
      own
        ? key === prefix || key === `${prefix}/steps` || key === `${prefix}/assertions`
        : key === prefix || key.startsWith(`${prefix}/`),
    )
    .map(([, message]) => message);
}
