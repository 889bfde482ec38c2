// Validation that reports every problem at once, each with a JSON pointer into the input and a sentence.
// What differs by kind (config schema, extra rules, whether it may be called or run copies) comes from the
// kind descriptors; the rules between nodes (links) are here.
import Type from 'typebox';
import Value from 'typebox/value';
import { RESTART_POLICIES, type RestartPolicy } from './call-policy.js';
import { DNS_LABEL } from './identity.js';
import { MAX_REPLICAS } from './ids.js';
import { checkConfig, isKnownKind, KIND_LIST, kindOf } from './kinds/index.js';
import { Display, Position } from './node-parts.js';
import { escapeToken, pointer } from './pointer.js';
import { Scenario } from './scenario.js';
import { checkScenarios } from './scenario-check.js';
import {
  article,
  dedupeProblems as dedupe,
  describeValue as describe,
  type Problem,
  schemaProblems,
} from './schema-problems.js';
import type { World as WorldType } from './world.js';
import { Link, MAX_LINKS, MAX_SCENARIOS, MAX_SERVICES, Settings, WORLD_VERSION, World } from './world.js';

export type { Problem } from './schema-problems.js';

export type Validation<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

const Scenarios = Type.Array(Scenario, { maxItems: MAX_SCENARIOS });
const KIND_NAMES = KIND_LIST.map((k) => k.kind).join(', ');

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const DNS_LABEL_MESSAGE = 'must be a DNS label: 1-63 lowercase letters, digits or "-", not starting or ending with "-"';

function checkServiceId(id: unknown, at: string, what: string): Problem[] {
  if (typeof id !== 'string') return [{ pointer: at, message: `${what} must be a string, not ${describe(id)}` }];
  if (!DNS_LABEL.test(id)) return [{ pointer: at, message: `${what} ${describe(id)} ${DNS_LABEL_MESSAGE}` }];
  return [];
}

function checkReplicas(replicas: unknown, kind: string, at: string): Problem[] {
  const allowed = kindOf(kind as never).facts.replicas;
  if (allowed !== true) return [{ pointer: at, message: `"replicas" is not for ${article(kind)}: ${allowed.why}` }];
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 1 || replicas > MAX_REPLICAS) {
    return [
      {
        pointer: at,
        message: `"replicas" must be a whole number from 1 to ${MAX_REPLICAS}, not ${describe(replicas)}`,
      },
    ];
  }
  return [];
}

/** The fields a node of `kind` may have (its descriptor's node schema). */
function fieldsOf(kind: string): string[] {
  return Object.keys(kindOf(kind as never).node.properties);
}

function checkService(service: unknown, index: number, kindOfId: (id: string) => unknown): Problem[] {
  const at = pointer('services', index);
  if (!isObject(service)) return [{ pointer: at, message: `a service must be an object, not ${describe(service)}` }];
  const problems: Problem[] = [];
  const kind = service.kind;
  const known = isKnownKind(kind);
  if (!('id' in service)) problems.push({ pointer: at, message: '"id" is required' });
  else problems.push(...checkServiceId(service.id, `${at}/id`, 'service id'));
  if (!('position' in service)) problems.push({ pointer: at, message: '"position" is required' });
  else problems.push(...schemaProblems(Position, service.position, `${at}/position`, 'position'));
  if ('display' in service) problems.push(...schemaProblems(Display, service.display, `${at}/display`, 'display'));
  if ('restart' in service && !RESTART_POLICIES.includes(service.restart as RestartPolicy)) {
    problems.push({
      pointer: `${at}/restart`,
      message: `unknown restart policy ${describe(service.restart)}: use one of ${RESTART_POLICIES.join(', ')} (as in compose)`,
    });
  }
  if (!('kind' in service)) {
    problems.push({ pointer: at, message: `"kind" is required: one of ${KIND_NAMES}` });
    return problems;
  }
  if (!known) {
    problems.push({ pointer: `${at}/kind`, message: `unknown kind ${describe(kind)}: use one of ${KIND_NAMES}` });
    return problems;
  }
  const fields = fieldsOf(kind);
  for (const key of Object.keys(service)) {
    if (fields.includes(key)) continue;
    const message =
      key === 'restart'
        ? `${article(kind)} has no restart policy`
        : key === 'replicas'
          ? ''
          : `unknown field "${key}" is not allowed on ${article(kind)}`;
    if (message) problems.push({ pointer: `${at}/${escapeToken(key)}`, message });
  }
  if ('replicas' in service) problems.push(...checkReplicas(service.replicas, kind, `${at}/replicas`));
  const descriptor = kindOf(kind);
  if (!('config' in service)) problems.push({ pointer: at, message: '"config" is required' });
  else if (!isObject(service.config)) {
    problems.push({ pointer: `${at}/config`, message: `"config" must be an object, not ${describe(service.config)}` });
  } else
    problems.push(
      ...checkConfig(descriptor, service.config, `${at}/config`, { id: service.id as string, kindOf: kindOfId }),
    );
  return problems;
}

/** Why a link may not go from `from` to `to` (each of a known kind), with the end to point at; null when it may. */
function linkRefusal(
  from: { id: string; kind: unknown; config: unknown },
  to: { id: string; kind: unknown },
): { end: 'from' | 'to'; message: string } | null {
  if (isKnownKind(to.kind)) {
    const callable = kindOf(to.kind).facts.callable;
    if (callable !== true) return { end: 'to', message: `"${to.id}" is ${article(to.kind)}: ${callable.why}` };
  }
  if (isKnownKind(from.kind) && isObject(from.config)) {
    const why = kindOf(from.kind).noLinksFrom?.(from.config);
    if (why) return { end: 'from', message: `"${from.id}" is ${why}` };
  }
  return null;
}

const TOP_FIELDS = ['version', 'name', 'settings', 'services', 'links', 'scenarios'];

/** Checks a world as a person or program sent it; on success the value is typed. */
export function validateWorld(input: unknown): Validation<WorldType> {
  if (!isObject(input)) {
    return { ok: false, problems: [{ pointer: '', message: `a world must be a JSON object, not ${describe(input)}` }] };
  }
  const problems: Problem[] = [];
  for (const key of Object.keys(input)) {
    if (!TOP_FIELDS.includes(key))
      problems.push({ pointer: pointer(key), message: `unknown field "${key}" is not allowed in a world` });
  }
  if (!('version' in input)) problems.push({ pointer: '', message: `"version" is required (${WORLD_VERSION})` });
  else if (input.version !== WORLD_VERSION) {
    problems.push({
      pointer: '/version',
      message: `unsupported version ${describe(input.version)}: this build reads version ${WORLD_VERSION}`,
    });
  }
  if (!('name' in input)) problems.push({ pointer: '', message: '"name" is required' });
  else if (typeof input.name !== 'string' || input.name.trim().length === 0 || input.name.length > 100) {
    problems.push({
      pointer: '/name',
      message: `"name" must be a non-empty string of at most 100 characters, not ${describe(input.name)}`,
    });
  }
  if ('settings' in input) problems.push(...schemaProblems(Settings, input.settings, '/settings', 'settings'));

  const ids = new Map<string, number>();
  const byId = new Map<string, Record<string, unknown>>();
  if (!('services' in input))
    problems.push({ pointer: '', message: '"services" is required (an array, may be empty)' });
  else if (!Array.isArray(input.services))
    problems.push({ pointer: '/services', message: `"services" must be an array, not ${describe(input.services)}` });
  else if (input.services.length > MAX_SERVICES)
    problems.push({
      pointer: '/services',
      message: `a world may hold at most ${MAX_SERVICES} services, not ${input.services.length}`,
    });
  else {
    input.services.forEach((service, index) => {
      if (!isObject(service) || typeof service.id !== 'string') return;
      const first = ids.get(service.id);
      if (first !== undefined) {
        problems.push({
          pointer: pointer('services', index, 'id'),
          message: `duplicate service id "${service.id}": also used at /services/${first}`,
        });
      } else {
        ids.set(service.id, index);
        byId.set(service.id, service);
      }
    });
    const kindOfId = (id: string) => byId.get(id)?.kind;
    input.services.forEach((service, index) => {
      problems.push(...checkService(service, index, kindOfId));
    });
  }

  if (!('links' in input)) problems.push({ pointer: '', message: '"links" is required (an array, may be empty)' });
  else if (!Array.isArray(input.links))
    problems.push({ pointer: '/links', message: `"links" must be an array, not ${describe(input.links)}` });
  else if (input.links.length > MAX_LINKS)
    problems.push({
      pointer: '/links',
      message: `a world may hold at most ${MAX_LINKS} links, not ${input.links.length}`,
    });
  else {
    const linkIds = new Map<string, number>();
    const pairs = new Map<string, number>();
    input.links.forEach((link, index) => {
      const at = pointer('links', index);
      if (!isObject(link)) {
        problems.push({ pointer: at, message: `a link must be an object, not ${describe(link)}` });
        return;
      }
      problems.push(...schemaProblems(Link, link, at, 'link').filter((p) => !/\/(from|to)$/.test(p.pointer)));
      for (const end of ['from', 'to'] as const) {
        if (!(end in link)) continue;
        const value = link[end];
        const idProblems = checkServiceId(value, `${at}/${end}`, `"${end}"`);
        if (idProblems.length > 0) problems.push(...idProblems);
        else if (!ids.has(value as string)) {
          problems.push({
            pointer: `${at}/${end}`,
            message: `link ${end === 'from' ? 'from' : 'to'} "${value}", a service that does not exist in this world`,
          });
        }
      }
      if (typeof link.id === 'string') {
        const first = linkIds.get(link.id);
        if (first !== undefined)
          problems.push({
            pointer: `${at}/id`,
            message: `duplicate link id "${link.id}": also used at /links/${first}`,
          });
        else linkIds.set(link.id, index);
      }
      if (typeof link.from === 'string' && typeof link.to === 'string') {
        if (link.from === link.to)
          problems.push({
            pointer: `${at}/to`,
            message: `"${link.from}" links to itself: a service may not call itself`,
          });
        else {
          const from = byId.get(link.from);
          const to = byId.get(link.to);
          const refusal = from && to ? linkRefusal(from as never, to as never) : null;
          if (refusal) problems.push({ pointer: `${at}/${refusal.end}`, message: refusal.message });
        }
        const pair = `${link.from}\n${link.to}`;
        const first = pairs.get(pair);
        if (first !== undefined)
          problems.push({
            pointer: at,
            message: `a link from "${link.from}" to "${link.to}" already exists at /links/${first}`,
          });
        else pairs.set(pair, index);
      }
    });
  }

  if ('scenarios' in input) {
    const shape = schemaProblems(Scenarios, input.scenarios, '/scenarios', 'scenarios');
    problems.push(...shape);
    if (shape.length === 0 && Array.isArray(input.services) && Array.isArray(input.links)) {
      problems.push(...checkScenarios(input.scenarios, input.services, input.links));
    }
  }

  const unique = dedupe(problems);
  if (unique.length > 0) return { ok: false, problems: unique };
  // Belt and braces: the schema is the contract; anything it rejects that the checks above missed is a bug here.
  if (!Value.Check(World, input)) {
    return { ok: false, problems: schemaProblems(World, input, '', 'world') };
  }
  return { ok: true, value: input as WorldType };
}
