// Reads and checks the spawn config; on a problem the answer says what is wrong and where (a JSON pointer).
import {
  ClientSpawnConfig,
  IntruderSpawnConfig,
  ServiceSpawnConfig,
  SPAWN_CONFIG_ENV,
  type SpawnConfig,
} from '@dw/world';
import type { TSchema } from 'typebox';
import Value from 'typebox/value';

export type ConfigResult = { ok: true; config: SpawnConfig } | { ok: false; problems: string[] };

interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function schemaProblems(schema: TSchema, value: unknown): string[] {
  if (Value.Check(schema, value)) return [];
  const errors = Value.Errors(schema, value) as unknown as SchemaError[];
  return errors.flatMap((e) => {
    const at = e.instancePath || '/';
    switch (e.keyword) {
      case 'additionalProperties':
        return []; // each unknown field is reported on its own ('boolean')
      case 'boolean':
        return [`${at}: unknown field "${e.instancePath.split('/').pop()}" is not allowed here`];
      case 'required':
        return ((e.params.requiredProperties as string[] | undefined) ?? []).map(
          (name) => `${at}: "${name}" is required`,
        );
      default:
        return [`${at}: ${e.message}`];
    }
  });
}

/** Parses the JSON of DW_SPAWN_CONFIG and checks it against the contract, plus what a schema cannot say. */
export function parseSpawnConfig(raw: string | undefined): ConfigResult {
  if (raw === undefined || raw.trim() === '') {
    return { ok: false, problems: [`${SPAWN_CONFIG_ENV} is not set: it must hold the JSON of a SpawnConfig`] };
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { ok: false, problems: [`${SPAWN_CONFIG_ENV} is not JSON: ${(err as Error).message}`] };
  }
  if (!isObject(value)) return { ok: false, problems: ['/: a spawn config must be a JSON object'] };
  let problems: string[];
  if (value.kind === 'client') problems = schemaProblems(ClientSpawnConfig, value);
  else if (value.kind === 'service') problems = schemaProblems(ServiceSpawnConfig, value);
  else if (value.kind === 'intruder') problems = schemaProblems(IntruderSpawnConfig, value);
  else {
    return {
      ok: false,
      problems: [`/kind: must be "client", "service" or "intruder", not ${JSON.stringify(value.kind)}`],
    };
  }
  if (problems.length > 0) return { ok: false, problems };

  const config = value as SpawnConfig;
  config.peers.forEach((peer, i) => {
    let url: URL | undefined;
    try {
      url = new URL(peer.url);
    } catch {
      problems.push(`/peers/${i}/url: ${JSON.stringify(peer.url)} is not a URL`);
      return;
    }
    if (url.protocol !== 'https:') problems.push(`/peers/${i}/url: must be an https:// URL, not ${peer.url}`);
  });
  try {
    const url = new URL(config.telemetry.url);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      problems.push(`/telemetry/url: must be an http(s):// URL, not ${config.telemetry.url}`);
    }
  } catch {
    problems.push(`/telemetry/url: ${JSON.stringify(config.telemetry.url)} is not a URL`);
  }
  if (config.kind !== 'intruder' && (config.identity.certFile === undefined || config.identity.keyFile === undefined)) {
    problems.push('/identity: a client or service needs certFile and keyFile');
  }
  if (config.kind === 'intruder' && config.behaviour.mode === 'impostor' && config.identity.certFile === undefined) {
    problems.push('/identity/certFile: an impostor serves, so it needs a certificate');
  }
  if (config.kind === 'service') {
    const latency = config.behaviour.latencyMs;
    if (typeof latency === 'object' && latency.min > latency.max) {
      problems.push(`/behaviour/latencyMs/min: ${latency.min} must not exceed max ${latency.max}`);
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}
