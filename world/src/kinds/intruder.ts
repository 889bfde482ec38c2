// An intruder attacks over its links, which are routes and never permissions: with no certificate, one from a
// foreign CA, an expired one, a valid identity where no allow link leads, or (an impostor) by serving in another
// service's name so that its callers reach it.
import Type, { type Static } from 'typebox';
import { ServiceId } from '../ids.js';
import { nodeFields, strict } from '../node-parts.js';
import { article, describeValue, type Problem, schemaProblems } from '../schema-problems.js';
import { CredentialIdentity, spawnVariant } from '../spawn-common.js';
import { type ConfigContext, defineKind } from './kind.js';

/**
 * How an intruder attacks. It calls the services it links to (its links are routes, never permissions):
 * - no-cert: with no client certificate;
 * - foreign-ca: with a certificate from a CA outside the world;
 * - expired: with an expired certificate from the world's own CA;
 * - unlinked: with a valid identity of its own, where no allowing link leads;
 * - impostor: it calls no one; it serves in the name of `impersonates` with a certificate of its own identity,
 *   and the callers of that service are given its address as another place that service answers.
 */
export const IntruderMode = Type.Union([
  Type.Literal('no-cert'),
  Type.Literal('foreign-ca'),
  Type.Literal('expired'),
  Type.Literal('unlinked'),
  Type.Literal('impostor'),
]);
export type IntruderMode = Static<typeof IntruderMode>;
export const INTRUDER_MODES: readonly IntruderMode[] = ['no-cert', 'foreign-ca', 'expired', 'unlinked', 'impostor'];
export const MAX_INTRUDER_RPS = 20;
/** Attempts per second an intruder makes on each of its links when its config says nothing. */
export const DEFAULT_INTRUDER_RPS = 2;

export const IntruderConfig = Type.Object(
  {
    mode: IntruderMode,
    /** impostor only: the id of the service it pretends to be. */
    impersonates: Type.Optional(ServiceId),
    /** Attempts per second on each of its links (default 2). */
    rps: Type.Optional(Type.Number({ minimum: 0, maximum: MAX_INTRUDER_RPS })),
  },
  strict,
);
export type IntruderConfig = Static<typeof IntruderConfig>;

export const IntruderNode = Type.Object(
  { ...nodeFields, kind: Type.Literal('intruder'), config: IntruderConfig },
  strict,
);
export type IntruderNode = Static<typeof IntruderNode>;

const impostor = (config: IntruderConfig) => config.mode === 'impostor';

/** An impostor names a service of the world; other intruders name none. */
function impersonationProblems(config: Record<string, unknown>, at: string, context: ConfigContext): Problem[] {
  const { mode, impersonates } = config;
  if (mode !== 'impostor') {
    return impersonates === undefined
      ? []
      : [
          {
            pointer: `${at}/impersonates`,
            message: `"impersonates" is only for mode "impostor", not ${describeValue(mode)}`,
          },
        ];
  }
  if (impersonates === undefined) {
    return [{ pointer: at, message: '"impersonates" is required for an impostor: the id of a service' }];
  }
  if (typeof impersonates !== 'string' || !context.kindOf) return [];
  const kind = context.kindOf(impersonates);
  if (kind === 'service') return [];
  const message =
    impersonates === context.id
      ? 'an impostor cannot impersonate itself'
      : kind !== undefined
        ? `"${impersonates}" is ${article(String(kind))}: an impostor impersonates a service`
        : `"${impersonates}" is not a service of this world`;
  return [{ pointer: `${at}/impersonates`, message }];
}

export const intruder = defineKind({
  kind: 'intruder',
  title: 'Intruder',
  summary: 'attacks the services it links to with a bad credential, or serves in the name of another',
  config: IntruderConfig,
  defaults: () => ({ mode: 'no-cert' as const, rps: DEFAULT_INTRUDER_RPS }),
  node: IntruderNode,
  spawn: spawnVariant('intruder', IntruderConfig, CredentialIdentity),
  facts: {
    callable: { why: 'it attacks over its own links, and no link may lead to it' },
    linksGrant: false,
    replicas: { why: 'an intruder runs once' },
    restart: false,
    identity: 'credential',
    loadControl: false,
    compose: {
      runs: false,
      why: 'intruder: playground only',
    },
  },
  serves: impostor,
  trafficSource: (config) => !impostor(config),
  noLinksFrom: (config) =>
    impostor(config)
      ? 'an impostor: it calls no one (the callers of the service it impersonates reach it), so it has no links'
      : null,
  credential: (config) =>
    config.mode === 'no-cert'
      ? 'none'
      : config.mode === 'foreign-ca'
        ? 'foreign-ca'
        : config.mode === 'expired'
          ? 'expired'
          : 'own',
  answersFor: (config) => (impostor(config) ? config.impersonates : undefined),
  checkConfig(config, at, context) {
    return [...schemaProblems(IntruderConfig, config, at, 'config'), ...impersonationProblems(config, at, context)];
  },
});
