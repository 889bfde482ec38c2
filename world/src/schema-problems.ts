// The one translator from schema errors to sentences a person can act on: every problem with a JSON pointer into
// the checked value. The world validator, the service's spawn-config check and the controller's request
// validation all use it.
import type { TSchema } from 'typebox';
import Value from 'typebox/value';

export interface Problem {
  /** A JSON pointer (RFC 6901) that resolves in the input. */
  pointer: string;
  message: string;
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

/** A value as a sentence shows it: short strings quoted, long ones by length, objects by their type. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a ${typeof value}`;
}

function valueAt(root: unknown, path: string): unknown {
  let current = root;
  for (const raw of path.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    current = (current as Record<string, unknown> | undefined)?.[token];
  }
  return current;
}

/** "a client", "an intruder". */
export function article(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

/** Problems listed once each (a union's branches may report the same one twice). */
export function dedupeProblems(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.pointer}\n${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The problems of `value` against `schema`, each with a pointer (prefixed by `base`) and a sentence naming the
 * field. `errors` may be given when the caller already has them (a compiled checker's); `label` names the value
 * itself when an error is at its root.
 */
export function schemaProblems(
  schema: TSchema,
  value: unknown,
  base = '',
  label = 'value',
  errors?: Iterable<unknown>,
): Problem[] {
  const problems: Problem[] = [];
  const list = (errors ?? Value.Errors(schema, value)) as Iterable<SchemaError>;
  const constsAt = new Map<string, { index: number; values: string[] }>();
  for (const error of list) {
    const at = base + error.instancePath;
    const field = error.instancePath.split('/').pop()?.replace(/~1/g, '/').replace(/~0/g, '~') || label;
    const got = describeValue(valueAt(value, error.instancePath));
    const p = error.params;
    switch (error.keyword) {
      case 'boolean': // an unknown property: the pointer already names it
        problems.push({ pointer: at, message: `unknown field "${field}" is not allowed here` });
        break;
      case 'additionalProperties':
      case 'anyOf':
        break; // reported one field at a time by 'boolean'; a union's branches explain themselves
      case 'required':
        for (const name of (p.requiredProperties as string[] | undefined) ?? [])
          problems.push({ pointer: at, message: `"${name}" is required` });
        break;
      case 'type':
        problems.push({ pointer: at, message: `"${field}" must be ${article(String(p.type))}, not ${got}` });
        break;
      case 'minimum':
      case 'maximum':
      case 'exclusiveMinimum':
      case 'exclusiveMaximum':
        problems.push({ pointer: at, message: `"${field}" must be ${p.comparison} ${p.limit}, not ${got}` });
        break;
      case 'minLength':
        problems.push({ pointer: at, message: `"${field}" must have at least ${p.limit} character(s)` });
        break;
      case 'maxLength':
        problems.push({
          pointer: at,
          message: `"${field}" must have at most ${p.limit} characters, not ${String(valueAt(value, error.instancePath)).length}`,
        });
        break;
      case 'maxItems':
        problems.push({ pointer: at, message: `"${field}" may hold at most ${p.limit} items` });
        break;
      case 'const': {
        // A union of literals fails once per literal: one sentence names them all ("allow" or "deny").
        const allowed = [...(constsAt.get(at)?.values ?? []), JSON.stringify(p.allowedValue)];
        const message = `"${field}" must be ${allowed.join(' or ')}, not ${got}`;
        const earlier = constsAt.get(at);
        if (earlier) (problems[earlier.index] as Problem).message = message;
        else problems.push({ pointer: at, message });
        constsAt.set(at, { index: earlier?.index ?? problems.length - 1, values: allowed });
        break;
      }
      case 'pattern':
        problems.push({ pointer: at, message: `"${field}" has a form that is not allowed: ${got}` });
        break;
      default:
        problems.push({ pointer: at, message: `"${field}" ${error.message}` });
    }
  }
  return dedupeProblems(problems);
}
