// GET /metrics: Prometheus text (prom-client) for every running deployment, one series per link labelled
// world/from/to: request, error, refusal and handshake counters, and the latency histogram (fixed buckets, ms).
// Values are the same totals the traffic frames carry, read when scraped; a redeploy starts them again at 0.
import { LATENCY_BUCKETS_MS } from '@dw/world';
import type { FastifyPluginAsync } from 'fastify';
import { Counter, Registry } from 'prom-client';
import type { Deployer } from '../deploy/deployer.js';
import type { LinkTotals } from './aggregator.js';

const LABELS = ['world', 'from', 'to'] as const;
const LATENCY_HELP = 'Latency of calls over the link as the caller measured it, milliseconds.';

function eachLink(deployer: Deployer, fn: (labels: Record<(typeof LABELS)[number], string>, t: LinkTotals) => void) {
  for (const deployment of deployer.all()) {
    for (const link of deployment.aggregator.linkTotals()) {
      fn({ world: deployment.worldId, from: link.from, to: link.to }, link.total);
    }
  }
}

export function metricsRegistry(deployer: Deployer): Registry {
  const registry = new Registry();
  const counter = (name: string, help: string, pick: (t: LinkTotals) => number) =>
    new Counter({
      name,
      help,
      labelNames: LABELS,
      registers: [registry],
      collect() {
        this.reset();
        eachLink(deployer, (labels, t) => this.inc(labels, pick(t)));
      },
    });
  counter('dw_link_requests_total', 'Calls completed over the link, as the caller saw them.', (t) => t.requests);
  counter(
    'dw_link_errors_total',
    'Calls over the link that failed (error status, timeout, no connection).',
    (t) => t.errors,
  );
  counter(
    'dw_link_refused_total',
    'Calls over the link the callee refused (403 or a refused handshake).',
    (t) => t.refused,
  );
  counter('dw_link_handshakes_total', 'New TLS connections the caller opened over the link.', (t) => t.handshakes);

  // prom-client's Histogram takes one observation at a time; the services already bucketed theirs, so this
  // metric reports the merged buckets as they are (same exposition format).
  registry.registerMetric({
    name: 'dw_link_latency_ms',
    help: LATENCY_HELP,
    type: 'histogram',
    get: async () => {
      const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
      eachLink(deployer, (labels, t) => {
        let cumulative = 0;
        LATENCY_BUCKETS_MS.forEach((le, i) => {
          cumulative += t.buckets[i] ?? 0;
          values.push({ metricName: 'dw_link_latency_ms_bucket', labels: { ...labels, le }, value: cumulative });
        });
        cumulative += t.buckets[LATENCY_BUCKETS_MS.length] ?? 0;
        values.push({ metricName: 'dw_link_latency_ms_bucket', labels: { ...labels, le: '+Inf' }, value: cumulative });
        values.push({ metricName: 'dw_link_latency_ms_sum', labels, value: t.latencyMsSum });
        values.push({ metricName: 'dw_link_latency_ms_count', labels, value: cumulative });
      });
      return {
        name: 'dw_link_latency_ms',
        help: LATENCY_HELP,
        type: 'histogram',
        values,
        aggregator: 'sum',
      };
    },
  } as never); // a plain { name, get } object: all the registry needs of a metric
  return registry;
}

export const metricsRoutes: FastifyPluginAsync = async (app) => {
  const registry = metricsRegistry(app.deployer);
  app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => {
    const text = await registry.metrics();
    return reply.type(registry.contentType).send(text);
  });
};
