// Steps a running client's rate up (PUT /_dw/load over mTLS, as the controller) and measures each step from
// the traffic frames (p99 from their latency histograms added up over the step), until a step fails (errors or
// p99 over the threshold), maxRps or maxSteps. Bounded: at most MAX_LIMIT_STEPS steps of at most 10 s. The
// client's configured rate is put back at the end, whatever happened.
import { type FindLimitRequest, type FindLimitResult, kindOf, type LimitStep, type TrafficFrame } from '@dw/world';
import type { FastifyInstance } from 'fastify';
import { callService } from '../deploy/mtls.js';
import { HttpProblem } from '../http/errors.js';
import { evaluateAssertion } from '../scenarios/evaluate.js';

/** Measures a step only after the new rate has settled for this share of it. */
const SETTLE_SHARE = 0.25;

export async function findLimit(
  app: FastifyInstance,
  worldId: string,
  request: FindLimitRequest,
): Promise<FindLimitResult> {
  const deployment = app.deployer.find(worldId);
  if (!deployment) throw new HttpProblem(409, 'not-deployed', `world "${worldId}" is not deployed`);
  const client = deployment.processes.get(request.clientId);
  const service = deployment.world.services.find((s) => s.id === request.clientId);
  // Only a kind whose rate the controller may change (a client) can be stepped up.
  if (!client || !service || !kindOf(service).facts.loadControl) {
    throw new HttpProblem(404, 'not-found', `"${request.clientId}" is not a client of the deployed world "${worldId}"`);
  }
  if (!client.alive)
    throw new HttpProblem(409, 'not-running', `client "${request.clientId}" is not running (${client.state})`);
  const configured = (service.config as { rps?: number }).rps ?? 0;
  const fromRps = request.fromRps ?? Math.max(1, configured);
  const stepRps = request.stepRps ?? fromRps;
  const maxRps = request.maxRps ?? 1000;
  const stepMs = (request.stepS ?? 3) * 1000;
  const maxSteps = request.maxSteps ?? 10;
  const maxError = (request.maxErrorPercent ?? 1) / 100;
  const maxP99 = request.maxP99Ms ?? 1000;

  const setRate = async (rps: number) => {
    const answer = await callService(
      { host: '127.0.0.1', port: client.port, serviceId: client.id },
      'setLoad',
      deployment.controller,
      { body: { rps } },
    );
    if (answer.status !== 200)
      throw new HttpProblem(502, 'load-failed', `"${client.id}" answered ${answer.status} to its new rate`);
  };

  const steps: LimitStep[] = [];
  let reason = '';
  let brokeAt: number | null = null;
  try {
    for (let i = 0, rps = fromRps; i < maxSteps && rps <= maxRps; i++, rps += stepRps) {
      await setRate(rps);
      await new Promise((resolve) => setTimeout(resolve, stepMs * SETTLE_SHARE));
      const frames: TrafficFrame[] = [];
      const off = app.deployer.events.on('frame', (frame) => {
        if (frame.worldId === worldId) frames.push(frame);
      });
      await new Promise((resolve) => setTimeout(resolve, stepMs * (1 - SETTLE_SHARE)));
      off();
      const target = { service: client.id };
      const errors = evaluateAssertion({ text: '', metric: 'errors', target, op: '<=', threshold: maxError }, frames);
      const p99 = evaluateAssertion({ text: '', metric: 'p99', target, op: '<=', threshold: maxP99 }, frames);
      const rate = evaluateAssertion({ text: '', metric: 'rate', target, op: '>', threshold: 0 }, frames);
      const step: LimitStep = {
        rps,
        requests: Math.round((rate.value ?? 0) * ((frames.reduce((n, f) => n + f.windowMs, 0) || 1) / 1000)),
        achievedRps: Math.round((rate.value ?? 0) * 10) / 10,
        errorPercent: Math.round((errors.value ?? 1) * 10_000) / 100,
        p99Ms: Math.round((p99.value ?? 0) * 10) / 10,
        held: errors.ok && p99.ok,
      };
      steps.push(step);
      if (!step.held) {
        brokeAt = rps;
        reason = !errors.ok
          ? `at ${rps} req/s ${step.errorPercent}% of calls failed (more than ${maxError * 100}%)`
          : `at ${rps} req/s p99 was ${step.p99Ms} ms (more than ${maxP99} ms)`;
        break;
      }
    }
  } finally {
    await setRate(configured).catch(() => {});
  }
  if (brokeAt === null)
    reason = steps.length >= maxSteps ? `held for all ${maxSteps} steps` : `held up to ${maxRps} req/s`;
  const held = steps.filter((s) => s.held);
  return { clientId: client.id, limitRps: held.at(-1)?.rps ?? null, brokeAtRps: brokeAt, reason, steps };
}
