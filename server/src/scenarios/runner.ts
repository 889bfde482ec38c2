// Plays a scenario on a controller: deploys the world, runs its timeline against the real processes (faults and
// kills through the same paths as the API), records the traffic frames, judges the assertions, and stops the
// world. Used by the command line (cli.ts); every line it reports is also what a person reads.
import {
  type Assertion,
  describeStep,
  parseAssertion,
  type Scenario,
  type ScenarioOutcome,
  type ScenarioStep,
  type TrafficFrame,
} from '@dw/world';
import type { FastifyInstance } from 'fastify';
import { evaluateAssertion } from './evaluate.js';

const READY_WITHIN_MS = 30_000;

async function applyStep(app: FastifyInstance, worldId: string, step: ScenarioStep): Promise<void> {
  await app.deployer.exclusive(worldId, async () => {
    const deployment = app.deployer.find(worldId);
    if (!deployment) throw new Error('the world is not deployed any more');
    if (step.do === 'fault') await deployment.faults.add(step.fault);
    else if (step.do === 'heal') await deployment.faults.clear();
    else if (step.do === 'resume') {
      const pauses = deployment.faults
        .list()
        .faults.filter((f) => f.fault.kind === 'pause' && f.fault.serviceId === step.serviceId);
      if (pauses.length === 0) throw new Error(`service "${step.serviceId}" is not paused`);
      for (const pause of pauses) await deployment.faults.remove(pause.id);
    }
    // every copy: a scenario's kill takes the service down
    else if (!deployment.replicasOf(step.serviceId).filter((p) => p.signal('SIGKILL')).length) {
      throw new Error(`service "${step.serviceId}" is not running`);
    }
  });
}

/** Runs `scenario` of the saved world `worldId`; `assertions` (already parsed) replace the scenario's own. */
export async function runScenario(
  app: FastifyInstance,
  worldId: string,
  scenario: Scenario,
  options: {
    assertions?: Assertion[];
    say: (line: string) => void;
    /** Leave the world running at the end (faults removed) instead of stopping it: a run watched in the editor. */
    keepRunning?: boolean;
  },
): Promise<ScenarioOutcome> {
  // every line also goes into the world's run (runs/run-recorder.ts)
  const say = (line: string) => {
    options.say(line);
    app.deployer.events.emit('scenario', { worldId, name: scenario.name, line, done: false });
  };
  const assertions =
    options.assertions ??
    scenario.assertions.map((text) => {
      const parsed = parseAssertion(text);
      if (!parsed.ok) throw new Error(parsed.message);
      return parsed.value;
    });
  // the log names a link by its ends ("shopper → orders"), as the person drew it
  const links = app.worldStore.require(worldId).world.links;
  const { done } = app.deployer.deploy(worldId);
  await done;
  const deadline = Date.now() + READY_WITHIN_MS;
  for (;;) {
    const status = app.deployer.status(worldId);
    if (status.rev !== null && status.services.every((s) => s.state === 'ready')) break;
    if (status.services.some((s) => s.state === 'crashed') || Date.now() > deadline) {
      const bad = status.services.filter((s) => s.state !== 'ready').map((s) => `${s.id} ${s.state}`);
      throw new Error(`the world did not become ready: ${bad.join(', ')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const frames: TrafficFrame[] = [];
  const off = app.deployer.events.on('frame', (frame) => {
    if (frame.worldId === worldId) frames.push(frame);
  });
  const stepErrors: string[] = [];
  const started = Date.now();
  say(`0.0s  running "${scenario.name}" for ${scenario.durationS} s`);
  const timers = [...scenario.steps]
    .sort((a, b) => a.atS - b.atS)
    .map((step) =>
      setTimeout(() => {
        const at = ((Date.now() - started) / 1000).toFixed(1);
        applyStep(app, worldId, step)
          .then(() => say(`${at}s  ${describeStep(step, links)}`))
          .catch((error: unknown) => {
            const line = `step at ${step.atS} s (${describeStep(step, links)}) failed: ${(error as Error).message}`;
            stepErrors.push(line);
            say(`${at}s  ${line}`);
          });
      }, step.atS * 1000),
    );
  try {
    await new Promise((resolve) => setTimeout(resolve, scenario.durationS * 1000));
  } finally {
    for (const timer of timers) clearTimeout(timer);
    off();
    if (options.keepRunning) {
      await app.deployer.exclusive(worldId, async () => app.deployer.find(worldId)?.faults.clear());
    } else {
      await app.deployer.stop(worldId);
    }
  }
  say(`${((Date.now() - started) / 1000).toFixed(1)}s  done: ${frames.length} frames`);
  const results = assertions.map((assertion) => evaluateAssertion(assertion, frames));
  return { passed: stepErrors.length === 0 && results.every((r) => r.ok), results, stepErrors };
}
