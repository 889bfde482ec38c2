// Typed fetch client for the controller's HTTP API. Shapes come from @dw/world; nothing is re-declared here.
import type {
  ComposeImportResult,
  DataCleared,
  DeadLetterList,
  DeployPreview,
  DeployStarted,
  DeployStatus,
  ErrorBody,
  GatewayTryAnswer,
  GatewayTryRequest,
  Health,
  IdentityRoll,
  NodeCertificate,
  Problem,
  RunDetail,
  RunFile,
  RunImported,
  RunSummary,
  StoreKeyList,
  StoreValue,
  Trace,
  TraceList,
  UpdateWorldBody,
  World,
  WorldRecord,
  WorldSummary,
} from '@dw/world';
import { authorizationHeader } from './controller-token';

/** A failed call, carrying the server's sentence for people and, for invalid input, its problems. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as ErrorBody).error === 'string' &&
    typeof (value as ErrorBody).message === 'string'
  );
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers: {
        ...(body === undefined ? { accept: 'application/json' } : { 'content-type': 'application/json' }),
        ...authorizationHeader(),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'The controller cannot be reached. Is it running?', 'network');
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  if (!response.ok) {
    if (isErrorBody(parsed)) throw new ApiError(response.status, parsed.message, parsed.error, parsed.problems);
    throw new ApiError(response.status, `${method} ${path} failed with HTTP ${response.status}`, 'http');
  }
  return parsed as T;
}

export const worldPath = (id: string) => `/api/worlds/${encodeURIComponent(id)}`;
export const runPath = (runId: string) => `/api/runs/${encodeURIComponent(runId)}`;

export const httpClient = {
  health: () => request<Health>('GET', '/api/health'),
  listWorlds: () => request<WorldSummary[]>('GET', '/api/worlds'),
  createWorld: (world: World) => request<WorldRecord>('POST', '/api/worlds', world),
  getWorld: (id: string) => request<WorldRecord>('GET', worldPath(id)),
  saveWorld: (id: string, body: UpdateWorldBody) => request<WorldRecord>('PUT', worldPath(id), body),
  deleteWorld: (id: string) => request<void>('DELETE', worldPath(id)),
  /** Deploys the saved world at revision `rev`; 409 stale-revision when the world has changed since. */
  deploy: (id: string, rev: number) => request<DeployStarted>('POST', `${worldPath(id)}/deploy`, { rev }),
  previewDeploy: (id: string, world?: World) =>
    request<DeployPreview>('POST', `${worldPath(id)}/deploy/plan`, world === undefined ? undefined : { world }),
  deployStatus: (id: string) => request<DeployStatus>('GET', `${worldPath(id)}/deploy`),
  stop: (id: string) => request<void>('DELETE', `${worldPath(id)}/deploy`),
  traces: (id: string, limit = 30) => request<TraceList>('GET', `${worldPath(id)}/traces?limit=${limit}`),
  trace: (id: string, traceId: string) =>
    request<Trace>('GET', `${worldPath(id)}/traces/${encodeURIComponent(traceId)}`),
  /** Saves a compose file (its YAML text) as a new world; warnings say what could not be represented. */
  importCompose: (compose: string, name?: string) =>
    request<ComposeImportResult>('POST', '/api/import/compose', name ? { compose, name } : { compose }),
  /** Where the saved world downloads as compose.yaml. */
  composeUrl: (id: string) => `${worldPath(id)}/compose`,
  renewIdentities: (id: string) => request<IdentityRoll>('POST', `${worldPath(id)}/deploy/renew`),
  rotateCa: (id: string) => request<IdentityRoll>('POST', `${worldPath(id)}/deploy/rotate-ca`),
  serviceCertificate: (id: string, serviceId: string) =>
    request<NodeCertificate>('GET', `${worldPath(id)}/deploy/services/${encodeURIComponent(serviceId)}/certificate`),
  /** One request through a running gateway's door, sent by the controller (the page cannot reach the door). */
  tryGateway: (id: string, gatewayId: string, body: GatewayTryRequest) =>
    request<GatewayTryAnswer>('POST', `${worldPath(id)}/gateways/${encodeURIComponent(gatewayId)}/try`, body),
  /** A running store's keys in order, a page of `limit` after `after`. */
  storeKeys: (id: string, nodeId: string, after?: string, limit = 50) =>
    request<StoreKeyList>(
      'GET',
      `${worldPath(id)}/nodes/${encodeURIComponent(nodeId)}/keys?limit=${limit}${after === undefined ? '' : `&after=${encodeURIComponent(after)}`}`,
    ),
  storeValue: (id: string, nodeId: string, key: string) =>
    request<StoreValue>('GET', `${worldPath(id)}/nodes/${encodeURIComponent(nodeId)}/keys/${encodeURIComponent(key)}`),
  deadLetters: (id: string, nodeId: string, limit = 50) =>
    request<DeadLetterList>('GET', `${worldPath(id)}/nodes/${encodeURIComponent(nodeId)}/dead-letters?limit=${limit}`),
  /** "Clear data": a queue's messages or a store's keys, gone (the running process forgets them, or its files go). */
  clearData: (id: string, nodeId: string) =>
    request<DataCleared>('DELETE', `${worldPath(id)}/nodes/${encodeURIComponent(nodeId)}/data`),
  /** The runs the controller recorded of a world, newest first. */
  worldRuns: (id: string) => request<RunSummary[]>('GET', `${worldPath(id)}/runs`),
  /** Every run the controller keeps (imported ones included), newest first. */
  allRuns: () => request<RunSummary[]>('GET', '/api/runs'),
  /** A run's summary, world, totals per link and service, and events. */
  run: (runId: string) => request<RunDetail>('GET', runPath(runId)),
  /** A run as one file: its world and whole recording (what replay plays). */
  runFile: (runId: string) => request<RunFile>('GET', `${runPath(runId)}/export`),
  /** Where a run downloads as one file. */
  runExportUrl: (runId: string) => `${runPath(runId)}/export`,
  importRun: (file: unknown) => request<RunImported>('POST', '/api/runs/import', file),
  deleteRun: (runId: string) => request<void>('DELETE', runPath(runId)),
};

export type HttpClient = typeof httpClient;
