// Reads and checks the spawn config; on a problem the answer says what is wrong and where (a JSON pointer).
// The variant and its behaviour's rules come from the kind's descriptor (@dw/world).
import { checkSpawnConfig, kindOf, SPAWN_CONFIG_ENV, type SpawnConfig } from '@dw/world';

export type ConfigResult = { ok: true; config: SpawnConfig } | { ok: false; problems: string[] };

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
  const checked = checkSpawnConfig(value);
  if (!checked.ok) return { ok: false, problems: checked.problems.map((p) => `${p.pointer || '/'}: ${p.message}`) };
  const problems: string[] = [];
  const kind = kindOf(checked.value.kind);
  const config = checked.value;
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
