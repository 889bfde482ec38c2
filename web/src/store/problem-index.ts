// Maps validateWorld's problems (JSON pointers) onto what the editor shows: nodes, links and their fields.
import type { Problem, World } from '@dw/world';
import { plainMessage } from './problem-words';

/** Messages by field path inside one thing, e.g. "id", "config/rps", "config/latencyMs/min", "" for the whole. */
export type FieldMessages = Record<string, string>;

export interface ProblemIndex {
  list: Problem[];
  /** Keyed by service id. */
  nodes: Record<string, FieldMessages>;
  /** Keyed by link id. */
  links: Record<string, FieldMessages>;
  /** World-level fields: "name", "settings/hopBudget", "". */
  world: FieldMessages;
}

export const NO_PROBLEMS: ProblemIndex = { list: [], nodes: {}, links: {}, world: {} };

function add(into: Record<string, FieldMessages>, key: string, field: string, message: string): void {
  const fields = into[key] ?? {};
  fields[field] = fields[field] ? `${fields[field]}; ${message}` : message;
  into[key] = fields;
}

function decode(token: string): string {
  return token.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function indexProblems(found: Problem[], world: World): ProblemIndex {
  if (found.length === 0) return NO_PROBLEMS;
  // every message in the editor's words (labels, percents, names), wherever it is shown
  const problems = found.map((p) => ({ pointer: p.pointer, message: plainMessage(p, world) }));
  const index: ProblemIndex = { list: problems, nodes: {}, links: {}, world: {} };
  for (const problem of problems) {
    const tokens = problem.pointer.split('/').slice(1).map(decode);
    const [top, position, ...rest] = tokens;
    const at = Number(position);
    if (top === 'services' && Number.isInteger(at) && world.services[at]) {
      const id = world.services[at].id;
      add(index.nodes, id, rest.join('/'), problem.message);
    } else if (top === 'links' && Number.isInteger(at) && world.links[at]) {
      const id = world.links[at].id;
      add(index.links, id, rest.join('/'), problem.message);
    } else {
      const field = tokens.join('/');
      index.world[field] = index.world[field] ? `${index.world[field]}; ${problem.message}` : problem.message;
    }
  }
  return index;
}

/** Where a problem lives, in words a person recognises ("orders", "link l2", "world"). */
export function problemSubject(problem: Problem, world: World): { label: string; nodeId?: string; linkId?: string } {
  const [, top, position] = problem.pointer.split('/');
  const at = Number(position);
  if (top === 'services' && world.services[at]) {
    const id = world.services[at].id;
    return { label: id || `service #${at + 1}`, nodeId: id };
  }
  if (top === 'links' && world.links[at]) {
    const link = world.links[at];
    return { label: `${link.from} → ${link.to}`, linkId: link.id };
  }
  return { label: 'world' };
}
