// Validation that reports every problem at once, each with a JSON pointer into the input and a sentence.
import Type, { type TSchema } from 'typebox';
import Value from 'typebox/value';
import { RESTART_POLICIES, type RestartPolicy } from './call-policy.js';
import { escapeToken, pointer } from './pointer.js';
import { Scenario } from './scenario.js';
import { checkScenarios } from './scenario-check.js';
import type { World as WorldType } from './world.js';
import {
  ClientConfig,
  Display,
  IntruderConfig,
  Link,
  MAX_REPLICAS,
  Position,
  ServiceConfig,
  Settings,
  WORLD_VERSION,
  World,
} from './world.js';

export interface Problem {
  /** A JSON pointer (RFC 6901) that resolves in the input. */
  pointer: string;
  message: string;
}

export type Validation<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

const Scenarios = Type.Array(Scenario, { maxItems: 50 });

const CONFIG_BY_KIND: Record<string, TSchema> = {
  client: ClientConfig,
  service: ServiceConfig,
  intruder: IntruderConfig,
};
const SERVICE_FIELDS = ['id', 'kind', 'position', 'config', 'display', 'restart', 'replicas'];

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string')
    return value.length > 40 ? `a string of ${value.length} characters` : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return `a ${typeof value}`;
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

function valueAt(root: unknown, path: string): unknown {
  let current = root;
  for (const raw of path.split('/').slice(1)) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    current = (current as Record<string, unknown> | undefined)?.[token];
  }
  return current;
}

/** Turns the schema checker's errors into sentences; `base` prefixes every pointer. */
function schemaProblems(schema: TSchema, value: unknown, base: string, label: string): Problem[] {
  const problems: Problem[] = [];
  const errors = Value.Errors(schema, value) as unknown as SchemaError[];
  const constsAt = new Map<string, { index: number; values: string[] }>();
  for (const error of errors) {
    const at = base + error.instancePath;
    const field = error.instancePath.split('/').pop()?.replace(/~1/g, '/').replace(/~0/g, '~') || label;
    const got = describe(valueAt(value, error.instancePath));
    const p = error.params;
    switch (error.keyword) {
      case 'boolean': // an unknown property: the pointer already names it
        problems.push({ pointer: at, message: `unknown field "${field}" is not allowed here` });
        break;
      case 'additionalProperties':
        break; // reported one field at a time by 'boolean'
      case 'required': {
        const missing = (p.requiredProperties as string[] | undefined) ?? [];
        for (const name of missing) problems.push({ pointer: at, message: `"${name}" is required` });
        break;
      }
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
      case 'anyOf':
        break; // the branches explain themselves
      default:
        problems.push({ pointer: at, message: `"${field}" ${error.message}` });
    }
  }
  return dedupe(problems);
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.pointer}\n${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const DNS_LABEL_MESSAGE = 'must be a DNS label: 1-63 lowercase letters, digits or "-", not starting or ending with "-"';

function checkServiceId(id: unknown, at: string, what: string): Problem[] {
  if (typeof id !== 'string') return [{ pointer: at, message: `${what} must be a string, not ${describe(id)}` }];
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(id)) {
    return [{ pointer: at, message: `${what} ${describe(id)} ${DNS_LABEL_MESSAGE}` }];
  }
  return [];
}

function checkLatencyRange(config: Record<string, unknown>, at: string): Problem[] {
  const latency = config.latencyMs;
  if (
    isObject(latency) &&
    typeof latency.min === 'number' &&
    typeof latency.max === 'number' &&
    latency.min > latency.max
  ) {
    return [
      { pointer: `${at}/latencyMs/min`, message: `latency min (${latency.min}) must not exceed max (${latency.max})` },
    ];
  }
  return [];
}

function checkLatencyShape(config: Record<string, unknown>, at: string): Problem[] {
  const latency = config.latencyMs;
  if (latency === undefined) return [];
  if (typeof latency === 'number') {
    if (!Number.isFinite(latency) || latency < 0 || latency > 60_000) {
      return [
        { pointer: `${at}/latencyMs`, message: `"latencyMs" must be between 0 and 60000, not ${describe(latency)}` },
      ];
    }
    return [];
  }
  if (isObject(latency)) {
    const problems: Problem[] = [];
    for (const key of Object.keys(latency)) {
      if (key !== 'min' && key !== 'max')
        problems.push({
          pointer: `${at}/latencyMs/${escapeToken(key)}`,
          message: `unknown field "${key}" is not allowed here`,
        });
    }
    for (const key of ['min', 'max'] as const) {
      const v = latency[key];
      if (v === undefined) problems.push({ pointer: `${at}/latencyMs`, message: `"${key}" is required` });
      else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 60_000) {
        problems.push({
          pointer: `${at}/latencyMs/${key}`,
          message: `"${key}" must be a number between 0 and 60000, not ${describe(v)}`,
        });
      }
    }
    return problems;
  }
  return [
    {
      pointer: `${at}/latencyMs`,
      message: `"latencyMs" must be a number or { "min", "max" }, not ${describe(latency)}`,
    },
  ];
}

function checkReplicas(replicas: unknown, kind: unknown, at: string): Problem[] {
  if (kind === 'client' || kind === 'intruder') {
    const why =
      kind === 'client' ? 'a client runs once: its rps already says how much load it makes' : 'an intruder runs once';
    return [{ pointer: at, message: `"replicas" is for services: ${why}` }];
  }
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

function checkService(service: unknown, index: number): Problem[] {
  const at = pointer('services', index);
  if (!isObject(service)) return [{ pointer: at, message: `a service must be an object, not ${describe(service)}` }];
  const problems: Problem[] = [];
  for (const key of Object.keys(service)) {
    if (!SERVICE_FIELDS.includes(key))
      problems.push({
        pointer: `${at}/${escapeToken(key)}`,
        message: `unknown field "${key}" is not allowed on a service`,
      });
  }
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
  const kind = service.kind;
  if ('replicas' in service) problems.push(...checkReplicas(service.replicas, kind, `${at}/replicas`));
  if (!('kind' in service)) {
    problems.push({ pointer: at, message: `"kind" is required: one of ${Object.keys(CONFIG_BY_KIND).join(', ')}` });
  } else if (typeof kind !== 'string' || !(kind in CONFIG_BY_KIND)) {
    problems.push({
      pointer: `${at}/kind`,
      message: `unknown kind ${describe(kind)}: use one of ${Object.keys(CONFIG_BY_KIND).join(', ')}`,
    });
  } else if (!('config' in service)) {
    problems.push({ pointer: at, message: '"config" is required' });
  } else if (!isObject(service.config)) {
    problems.push({ pointer: `${at}/config`, message: `"config" must be an object, not ${describe(service.config)}` });
  } else if (kind === 'service') {
    // latencyMs is a union: explain it directly rather than through both branches
    const { latencyMs: _, ...rest } = service.config;
    problems.push(...schemaProblems(ServiceConfig, rest, `${at}/config`, 'config'));
    problems.push(...checkLatencyShape(service.config, `${at}/config`));
    problems.push(...checkLatencyRange(service.config, `${at}/config`));
  } else {
    problems.push(...schemaProblems(CONFIG_BY_KIND[kind] as TSchema, service.config, `${at}/config`, 'config'));
  }
  return problems;
}

/** An impostor names a service of the world to impersonate; other intruders name none. */
function checkImpersonation(services: unknown, kinds: ReadonlyMap<string, unknown>): Problem[] {
  if (!Array.isArray(services)) return [];
  const problems: Problem[] = [];
  services.forEach((service, index) => {
    if (!isObject(service) || service.kind !== 'intruder' || !isObject(service.config)) return;
    const { mode, impersonates } = service.config;
    const at = pointer('services', index, 'config');
    if (mode === 'impostor') {
      if (impersonates === undefined) {
        problems.push({ pointer: at, message: '"impersonates" is required for an impostor: the id of a service' });
      } else if (typeof impersonates === 'string' && kinds.get(impersonates) !== 'service') {
        problems.push({
          pointer: `${at}/impersonates`,
          message:
            impersonates === service.id
              ? 'an impostor cannot impersonate itself'
              : kinds.has(impersonates)
                ? `"${impersonates}" is a ${String(kinds.get(impersonates))}: an impostor impersonates a service`
                : `"${impersonates}" is not a service of this world`,
        });
      }
    } else if (impersonates !== undefined) {
      problems.push({
        pointer: `${at}/impersonates`,
        message: `"impersonates" is only for mode "impostor", not ${describe(mode)}`,
      });
    }
  });
  return problems;
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
  const kinds = new Map<string, unknown>();
  /** The mode of each intruder, by id. */
  const modes = new Map<string, unknown>();
  if (!('services' in input))
    problems.push({ pointer: '', message: '"services" is required (an array, may be empty)' });
  else if (!Array.isArray(input.services))
    problems.push({ pointer: '/services', message: `"services" must be an array, not ${describe(input.services)}` });
  else if (input.services.length > 500)
    problems.push({
      pointer: '/services',
      message: `a world may hold at most 500 services, not ${input.services.length}`,
    });
  else {
    input.services.forEach((service, index) => {
      problems.push(...checkService(service, index));
      if (isObject(service) && typeof service.id === 'string') {
        const first = ids.get(service.id);
        if (first !== undefined) {
          problems.push({
            pointer: pointer('services', index, 'id'),
            message: `duplicate service id "${service.id}": also used at /services/${first}`,
          });
        } else {
          ids.set(service.id, index);
          kinds.set(service.id, service.kind);
          if (service.kind === 'intruder' && isObject(service.config)) modes.set(service.id, service.config.mode);
        }
      }
    });
  }

  if (!('links' in input)) problems.push({ pointer: '', message: '"links" is required (an array, may be empty)' });
  else if (!Array.isArray(input.links))
    problems.push({ pointer: '/links', message: `"links" must be an array, not ${describe(input.links)}` });
  else if (input.links.length > 2000)
    problems.push({ pointer: '/links', message: `a world may hold at most 2000 links, not ${input.links.length}` });
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
        else if (kinds.get(link.to) === 'client') {
          problems.push({
            pointer: `${at}/to`,
            message: `"${link.to}" is a client: clients only send requests, they cannot be called`,
          });
        } else if (kinds.get(link.to) === 'intruder') {
          problems.push({
            pointer: `${at}/to`,
            message: `"${link.to}" is an intruder: it attacks over its own links, and no link may lead to it`,
          });
        } else if (modes.get(link.from) === 'impostor') {
          problems.push({
            pointer: `${at}/from`,
            message: `"${link.from}" is an impostor: it calls no one (the callers of the service it impersonates reach it), so it has no links`,
          });
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

  if ('services' in input) problems.push(...checkImpersonation(input.services, kinds));
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
