// GET /metrics: Prometheus text (prom-client) for every running deployment, one series per link labelled
// world/from/to: request, error, refusal and handshake counters, and the latency histogram (fixed buckets, ms).
// Values are the same totals the traffic frames carry, read when scraped; a redeploy starts them again at 0.
// Names and help come from the figure table of @dw/world (figures.ts), which labels and inspectors read too.
import { FIGURES, LATENCY_BUCKETS_MS } from '@dw/world';
import type { FastifyPluginAsync } from 'fastify';
import { Counter, Registry } from 'prom-client';
import type { Deployer } from '../deploy/deployer.js';
import type { LinkTotals } from './aggregator.js';

const LABELS = ['world', 'from', 'to'] as const;
const LATENCY = FIGURES.latency;

function eachLink(deployer: Deployer, fn: (labels: Record<(typeof LABELS)[number], string>, t: LinkTotals) => void) {
  for (const deployment of deployer.all()) {
    for (const link of deployment.aggregator.linkTotals()) {
      fn({ world: deployment.worldId, from: link.from, to: link.to }, link.total);
    }
  }
}

export function metricsRegistry(deployer: Deployer): Registry {
  const registry = new Registry();
  const counter = (figure: { metric: string; means: string }, pick: (t: LinkTotals) => number) =>
    new Counter({
      name: figure.metric,
      help: figure.means,
      labelNames: LABELS,
      registers: [registry],
      collect() {
        this.reset();
        eachLink(deployer, (labels, t) => this.inc(labels, pick(t)));
      },
    });
  counter(FIGURES.requests, (t) => t.requests);
  counter(FIGURES.errors, (t) => t.errors);
  counter(FIGURES.refused, (t) => t.refused);
  counter(FIGURES.handshakes, (t) => t.handshakes);

  // prom-client's Histogram takes one observation at a time; the services already bucketed theirs, so this
  // metric reports the merged buckets as they are (same exposition format).
  registry.registerMetric({
    name: LATENCY.metric,
    help: LATENCY.means,
    type: 'histogram',
    get: async () => {
      const values: { metricName: string; labels: Record<string, string | number>; value: number }[] = [];
      eachLink(deployer, (labels, t) => {
        let cumulative = 0;
        LATENCY_BUCKETS_MS.forEach((le, i) => {
          cumulative += t.buckets[i] ?? 0;
          values.push({ metricName: `${LATENCY.metric}_bucket`, labels: { ...labels, le }, value: cumulative });
        });
        cumulative += t.buckets[LATENCY_BUCKETS_MS.length] ?? 0;
        values.push({ metricName: `${LATENCY.metric}_bucket`, labels: { ...labels, le: '+Inf' }, value: cumulative });
        values.push({ metricName: `${LATENCY.metric}_sum`, labels, value: t.latencyMsSum });
        values.push({ metricName: `${LATENCY.metric}_count`, labels, value: cumulative });
      });
      return {
        name: LATENCY.metric,
        help: LATENCY.means,
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
