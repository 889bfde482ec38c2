// Reads and checks the spawn config; on a problem the answer says what is wrong and where (a JSON pointer).
// The variant and its behaviour's rules come from the kind's descriptor (@dw/world).
import {
  checkConfig,
  isKnownKind,
  KIND_LIST,
  kindOf,
  SPAWN_CONFIG_ENV,
  type SpawnConfig,
  schemaProblems,
} from '@dw/world';

export type ConfigResult = { ok: true; config: SpawnConfig } | { ok: false; problems: string[] };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
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
  if (!isKnownKind(value.kind)) {
    const names = KIND_LIST.map((k) => JSON.stringify(k.kind)).join(', ');
    return { ok: false, problems: [`/kind: must be one of ${names}, not ${JSON.stringify(value.kind)}`] };
  }
  const kind = kindOf(value.kind);
  const shape = schemaProblems(kind.spawn, value, '', 'spawn config');
  if (shape.length === 0 && isObject(value.behaviour)) shape.push(...checkConfig(kind, value.behaviour, '/behaviour'));
  const problems = shape.map((p) => `${p.pointer || '/'}: ${p.message}`);
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
  // A node that serves needs a certificate to serve with (an impostor's credential may have none by schema).
  if (kind.serves(config.behaviour) && config.identity.certFile === undefined) {
    problems.push(`/identity/certFile: a ${config.kind} that serves needs a certificate`);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, config };
}
