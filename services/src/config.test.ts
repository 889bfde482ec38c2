import { describe, expect, it } from 'vitest';
import { parseSpawnConfig } from './config.js';

const valid = {
  worldId: 'shop',
  serviceId: 'orders',
  rev: 3,
  kind: 'service',
  listen: { host: '127.0.0.1', port: 41000 },
  identity: { certFile: '/tmp/o.crt', keyFile: '/tmp/o.key', caFile: '/tmp/ca.pem' },
  peers: [{ linkId: 'l2', id: 'payments', url: 'https://127.0.0.1:41001' }],
  allowedCallers: ['spiffe://shop/shopper'],
  hopBudget: 8,
  telemetry: { url: 'http://127.0.0.1:4400/api/telemetry', token: '0123456789abcdef', intervalMs: 200 },
  behaviour: { latencyMs: { min: 1, max: 5 }, errorRate: 0.1 },
};

function problems(value: unknown): string[] {
  const result = parseSpawnConfig(JSON.stringify(value));
  return result.ok ? [] : result.problems;
}

describe('parseSpawnConfig', () => {
  it('accepts a valid service and client config', () => {
    expect(parseSpawnConfig(JSON.stringify(valid))).toEqual({ ok: true, config: valid });
    const client = { ...valid, kind: 'client', behaviour: { rps: 10, payloadBytes: 0 } };
    expect(parseSpawnConfig(JSON.stringify(client)).ok).toBe(true);
  });

  it('says what is missing or malformed, and where', () => {
    expect(parseSpawnConfig(undefined)).toEqual({ ok: false, problems: [expect.stringMatching(/is not set/)] });
    expect(problems('nope')).toEqual([expect.stringMatching(/^\/: a spawn config must be a JSON object/)]);
    expect(problems({ ...valid, kind: 'database' })).toEqual([
      '/kind: must be one of "client", "service", "process", "gateway", "queue", "store", "intruder", not "database"',
    ]);
    expect(problems({ ...valid, listen: { host: '127.0.0.1', port: -1 } })).toEqual([
      expect.stringMatching(/^\/listen\/port: /),
    ]);
    expect(problems({ ...valid, behaviour: { rps: 1 } })).toEqual([
      '/behaviour/rps: unknown field "rps" is not allowed here',
    ]);
    const { telemetry: _, ...noTelemetry } = valid;
    expect(problems(noTelemetry)).toEqual(['/: "telemetry" is required']);
  });

  it('checks what the schema cannot: URLs and latency ranges', () => {
    expect(problems({ ...valid, peers: [{ linkId: 'l2', id: 'payments', url: 'http://127.0.0.1:1' }] })).toEqual([
      '/peers/0/url: must be an https:// URL, not http://127.0.0.1:1',
    ]);
    expect(problems({ ...valid, telemetry: { ...valid.telemetry, url: 'not a url' } })).toEqual([
      '/telemetry/url: "not a url" is not a URL',
    ]);
    expect(problems({ ...valid, behaviour: { latencyMs: { min: 9, max: 1 } } })).toEqual([
      '/behaviour/latencyMs/min: latency min (9) must not exceed max (1)',
    ]);
  });
});
