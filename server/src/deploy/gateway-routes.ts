// POST /api/worlds/:id/gateways/:gatewayId/try: the editor's "try it" box. The page cannot call a gateway's door
// itself (another origin, another port), so the controller sends the one request to the door on 127.0.0.1 and
// hands back the answer as it came. Bounded: the body and the answer are at most 1 MiB each, the whole exchange
// 10 s. The request starts a sampled trace, so the gateway and every hop behind it record their spans.
import { randomBytes } from 'node:crypto';
import * as http from 'node:http';
import * as https from 'node:https';
import {
  ErrorBody,
  formatTraceparent,
  GATEWAY_TRY_MAX_BYTES,
  GATEWAY_TRY_TIMEOUT_MS,
  GatewayTryAnswer,
  GatewayTryRequest,
  parseTraceparent,
  TRACEPARENT_HEADER,
} from '@dw/world';
import type { FastifyPluginAsync } from 'fastify';
import Type from 'typebox';
import { HttpProblem } from '../http/errors.js';
import type { TlsIdentity } from './mtls.js';

const TryParams = Type.Object({ id: Type.String({ maxLength: 200 }), gatewayId: Type.String({ maxLength: 200 }) });

/** Headers that belong to the connection, or that the controller sets itself: never taken from the request. */
const NOT_SENT = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'content-length',
  'expect',
  TRACEPARENT_HEADER,
]);

interface Door {
  port: number;
  /** The door is served over TLS with the gateway's certificate (config `tls: true`). */
  tls: boolean;
  serviceId: string;
  /** To check the door's certificate: the world's CA. */
  identity: TlsIdentity;
}

export interface TryOutcome {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  truncated: boolean;
  traceparent: string | undefined;
}

/** Sends one request to a door and reads at most `maxBytes` of its answer; rejects with an HttpProblem. */
export function sendToDoor(
  door: Door,
  request: { method: string; path: string; headers: Record<string, string>; body: Buffer | undefined },
  limits: { timeoutMs: number; maxBytes: number },
): Promise<TryOutcome> {
  return new Promise((resolve, reject) => {
    const options: https.RequestOptions = {
      host: '127.0.0.1',
      port: door.port,
      method: request.method,
      path: request.path,
      headers: { ...request.headers, 'content-length': String(request.body?.length ?? 0) },
      agent: false,
    };
    const tlsOptions: https.RequestOptions = { servername: door.serviceId, ca: door.identity.caPem };
    let settled = false;
    const fail = (problem: HttpProblem) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(problem);
    };
    const onAnswer = (res: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        const traceparent = res.headers[TRACEPARENT_HEADER];
        resolve({
          status: res.statusCode ?? 0,
          headers,
          body: Buffer.concat(chunks, size),
          truncated,
          traceparent: typeof traceparent === 'string' ? traceparent : undefined,
        });
        req.destroy();
      };
      res.on('data', (chunk: Buffer) => {
        if (truncated) return;
        const room = limits.maxBytes - size;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          size += room;
          truncated = true;
          finish();
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', finish);
      res.on('error', (error) =>
        fail(new HttpProblem(502, 'door-failed', `the answer of "${door.serviceId}" was cut: ${error.message}`)),
      );
    };
    const req = door.tls ? https.request({ ...options, ...tlsOptions }, onAnswer) : http.request(options, onAnswer);
    const timer = setTimeout(
      () =>
        fail(
          new HttpProblem(
            504,
            'door-timeout',
            `gateway "${door.serviceId}" did not answer ${request.method} ${request.path} within ${limits.timeoutMs / 1000} s`,
          ),
        ),
      limits.timeoutMs,
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      fail(
        new HttpProblem(
          502,
          'door-unreachable',
          `could not reach the door of gateway "${door.serviceId}" on 127.0.0.1:${door.port}: ${error.code ?? error.message}`,
        ),
      ),
    );
    req.end(request.body);
  });
}

export const gatewayRoutes: FastifyPluginAsync = async (app) => {
  app.post<{ Params: { id: string; gatewayId: string }; Body: GatewayTryRequest }>(
    '/api/worlds/:id/gateways/:gatewayId/try',
    {
      schema: {
        params: TryParams,
        body: GatewayTryRequest,
        response: {
          200: GatewayTryAnswer,
          400: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
          413: ErrorBody,
          502: ErrorBody,
          504: ErrorBody,
        },
      },
    },
    async (request): Promise<GatewayTryAnswer> => {
      const { id, gatewayId } = request.params;
      app.worldStore.require(id);
      const deployment = app.deployer.find(id);
      if (!deployment) {
        throw new HttpProblem(409, 'not-deployed', `world "${id}" is not deployed: deploy it to try its gateways`);
      }
      const copies = deployment.replicasOf(gatewayId);
      const door = copies.find((p) => p.state === 'ready' && p.alive) ?? copies[0];
      if (!door) {
        throw new HttpProblem(404, 'not-found', `"${gatewayId}" is not part of the deployed world "${id}"`);
      }
      if (door.config.kind !== 'gateway') {
        throw new HttpProblem(
          400,
          'not-a-gateway',
          `"${gatewayId}" is a ${door.config.kind}, not a gateway: only a gateway has a door to try`,
        );
      }
      if (!door.alive) {
        throw new HttpProblem(409, 'not-running', `gateway "${gatewayId}" is not running (${door.state})`);
      }
      const { method, path, headers = {}, body } = request.body;
      const payload = body === undefined || body === '' ? undefined : Buffer.from(body, 'utf8');
      if (payload && payload.length > GATEWAY_TRY_MAX_BYTES) {
        throw new HttpProblem(
          413,
          'too-large',
          `the body is ${payload.length} bytes: "try it" sends at most ${GATEWAY_TRY_MAX_BYTES} bytes`,
        );
      }
      const sent: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) {
        if (!NOT_SENT.has(name.toLowerCase())) sent[name.toLowerCase()] = value;
      }
      // A sampled trace of its own: the door records its span under it, and so does every hop behind it.
      const traceId = randomBytes(16).toString('hex');
      sent[TRACEPARENT_HEADER] = formatTraceparent({ traceId, spanId: randomBytes(8).toString('hex'), sampled: true });
      const tls = door.config.kind === 'gateway' && door.config.behaviour.tls === true;
      const started = performance.now();
      const answer = await sendToDoor(
        { port: door.port, tls, serviceId: gatewayId, identity: deployment.controller },
        { method, path, headers: sent, body: payload },
        { timeoutMs: GATEWAY_TRY_TIMEOUT_MS, maxBytes: GATEWAY_TRY_MAX_BYTES },
      );
      const durationMs = Math.round((performance.now() - started) * 10) / 10;
      return {
        status: answer.status,
        headers: answer.headers,
        body: answer.body.toString('utf8'),
        ...(answer.truncated ? { truncated: true as const } : {}),
        durationMs,
        url: `${tls ? 'https' : 'http'}://127.0.0.1:${door.port}`,
        traceId: parseTraceparent(answer.traceparent)?.traceId ?? traceId,
      };
    },
  );
};
