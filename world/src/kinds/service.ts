// A service handles requests: it waits its latency, calls its links (in parallel, in sequence or one by weight)
// and answers, failing a share of requests by its error rate.
import Type, { type Static } from 'typebox';
import { ServiceCallPolicy } from '../call-policy.js';
import { describeHandlerSyntaxError, handlerSyntaxError } from '../handler-syntax.js';
import {
  displayField,
  Latency,
  MAX_LATENCY_MS,
  nodeFields,
  replicasField,
  restartField,
  strict,
} from '../node-parts.js';
import { escapeToken } from '../pointer.js';
import { describeValue, type Problem, schemaProblems } from '../schema-problems.js';
import { Identity, spawnVariant } from '../spawn-common.js';
import { defineKind } from './kind.js';
import { DEFAULT_STORE_WORKLOAD, StoreWorkload } from './store.js';

/** The largest handler a service may carry (its source text, in characters). */
export const MAX_HANDLER_CHARS = 64 * 1024;

export const ServiceConfig = Type.Object(
  {
    latencyMs: Type.Optional(Latency),
    errorRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    /** How it calls its links: mode, timeout, retries, breaker. */
    calls: Type.Optional(ServiceCallPolicy),
    /** How its calls to the stores it links to read and write keys (defaults: DEFAULT_STORE_WORKLOAD). */
    store: Type.Optional(StoreWorkload),
    /**
     * Its own code: a JavaScript module whose default export is `async (request, ctx) => response` (see
     * services/README.md, "Handler code"). With one, the handler answers every call (latency, error rate and the
     * calls mode no longer apply; timeout, retries and breaker still do, on its ctx.call). At most
     * MAX_HANDLER_CHARS characters.
     */
    handler: Type.Optional(Type.String({ maxLength: MAX_HANDLER_CHARS })),
  },
  strict,
);
export type ServiceConfig = Static<typeof ServiceConfig>;

export const ServiceNode = Type.Object(
  {
    ...nodeFields,
    kind: Type.Literal('service'),
    config: ServiceConfig,
    ...restartField,
    ...replicasField,
    ...displayField,
  },
  strict,
);
export type ServiceNode = Static<typeof ServiceNode>;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** latencyMs is a union (a number or a range): explained directly rather than through both branches. */
function latencyProblems(config: Record<string, unknown>, at: string): Problem[] {
  const latency = config.latencyMs;
  const between = `between 0 and ${MAX_LATENCY_MS}`;
  if (latency === undefined) return [];
  if (typeof latency === 'number') {
    return Number.isFinite(latency) && latency >= 0 && latency <= MAX_LATENCY_MS
      ? []
      : [{ pointer: `${at}/latencyMs`, message: `"latencyMs" must be ${between}, not ${describeValue(latency)}` }];
  }
  if (!isObject(latency)) {
    return [
      {
        pointer: `${at}/latencyMs`,
        message: `"latencyMs" must be a number or { "min", "max" }, not ${describeValue(latency)}`,
      },
    ];
  }
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
    else if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_LATENCY_MS) {
      problems.push({
        pointer: `${at}/latencyMs/${key}`,
        message: `"${key}" must be a number ${between}, not ${describeValue(v)}`,
      });
    }
  }
  const { min, max } = latency;
  if (problems.length === 0 && typeof min === 'number' && typeof max === 'number' && min > max) {
    problems.push({ pointer: `${at}/latencyMs/min`, message: `latency min (${min}) must not exceed max (${max})` });
  }
  return problems;
}

/** A store call is a read, a write or a delete: the read and write shares leave the rest to deletes. */
function storeShareProblems(config: Record<string, unknown>, at: string): Problem[] {
  const workload = config.store;
  if (!isObject(workload)) return [];
  const { readShare, writeShare } = workload;
  const read = typeof readShare === 'number' ? readShare : DEFAULT_STORE_WORKLOAD.readShare;
  const write = typeof writeShare === 'number' ? writeShare : DEFAULT_STORE_WORKLOAD.writeShare;
  if (read + write <= 1 + 1e-9) return [];
  return [
    {
      pointer: `${at}/store`,
      message: `"readShare" (${read}) and "writeShare" (${write}) add up to more than 1: the rest of the store calls are deletes`,
    },
  ];
}

/** A handler that does not parse is never deployed: said with its line and column. */
function handlerProblems(config: Record<string, unknown>, at: string): Problem[] {
  const { handler } = config;
  if (typeof handler !== 'string' || handler.length > MAX_HANDLER_CHARS) return [];
  const error = handlerSyntaxError(handler);
  return error ? [{ pointer: `${at}/handler`, message: describeHandlerSyntaxError(error) }] : [];
}

export const service = defineKind({
  kind: 'service',
  title: 'Service',
  summary:
    'handles requests: waits its latency, calls every service it links to, fails a share by its error rate; or runs its own handler code',
  config: ServiceConfig,
  defaults: () => ({ latencyMs: 5, errorRate: 0 }),
  node: ServiceNode,
  spawn: spawnVariant('service', ServiceConfig, Identity),
  facts: {
    callable: true,
    linksGrant: true,
    replicas: true,
    restart: true,
    identity: 'member',
    loadControl: false,
    compose: { runs: true },
  },
  serves: () => true,
  trafficSource: () => false,
  runsCode: (config) => (config.handler === undefined ? undefined : 'its handler'),
  checkConfig(config, at) {
    const { latencyMs: _, ...rest } = config;
    return [
      ...schemaProblems(ServiceConfig, rest, at, 'config'),
      ...latencyProblems(config, at),
      ...storeShareProblems(config, at),
      ...handlerProblems(config, at),
    ];
  },
});
