// What the schema cannot say about a world's scenarios: assertions that parse, and steps and assertions that
// name links and services of this world. Every problem with a JSON pointer, like the rest of validateWorld.
import { parseAssertion } from './scenario.js';
import type { Problem } from './validate.js';

interface Named {
  id?: unknown;
  from?: unknown;
  to?: unknown;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Checks scenarios that already passed the schema against the world's services and links. */
export function checkScenarios(scenarios: unknown, services: readonly Named[], links: readonly Named[]): Problem[] {
  if (!Array.isArray(scenarios)) return [];
  const serviceIds = new Set(services.map((s) => s.id).filter((id): id is string => typeof id === 'string'));
  const linkIds = new Set(links.map((l) => l.id).filter((id): id is string => typeof id === 'string'));
  const pairs = new Set(links.map((l) => `${String(l.from)}->${String(l.to)}`));
  const problems: Problem[] = [];
  const names = new Map<string, number>();
  scenarios.forEach((scenario, i) => {
    if (!isObject(scenario)) return;
    const at = `/scenarios/${i}`;
    if (typeof scenario.name === 'string') {
      const first = names.get(scenario.name);
      if (first !== undefined)
        problems.push({
          pointer: `${at}/name`,
          message: `duplicate scenario name "${scenario.name}": also at /scenarios/${first}`,
        });
      else names.set(scenario.name, i);
    }
    const steps = Array.isArray(scenario.steps) ? scenario.steps : [];
    steps.forEach((step, j) => {
      if (!isObject(step)) return;
      const stepAt = `${at}/steps/${j}`;
      if (typeof step.atS === 'number' && typeof scenario.durationS === 'number' && step.atS > scenario.durationS) {
        problems.push({
          pointer: `${stepAt}/atS`,
          message: `step at ${step.atS} s comes after the end of the run (${scenario.durationS} s)`,
        });
      }
      const fault = isObject(step.fault) ? step.fault : undefined;
      if (fault && typeof fault.linkId === 'string' && !linkIds.has(fault.linkId)) {
        problems.push({
          pointer: `${stepAt}/fault/linkId`,
          message: `link "${fault.linkId}" does not exist in this world`,
        });
      }
      if (fault && typeof fault.serviceId === 'string' && !serviceIds.has(fault.serviceId)) {
        problems.push({
          pointer: `${stepAt}/fault/serviceId`,
          message: `service "${fault.serviceId}" does not exist in this world`,
        });
      }
      if (typeof step.serviceId === 'string' && !serviceIds.has(step.serviceId)) {
        problems.push({
          pointer: `${stepAt}/serviceId`,
          message: `service "${step.serviceId}" does not exist in this world`,
        });
      }
    });
    const assertions = Array.isArray(scenario.assertions) ? scenario.assertions : [];
    assertions.forEach((text, j) => {
      if (typeof text !== 'string') return;
      const pointer = `${at}/assertions/${j}`;
      const parsed = parseAssertion(text);
      if (!parsed.ok) {
        problems.push({ pointer, message: parsed.message });
        return;
      }
      const target = parsed.value.target;
      if ('service' in target) {
        if (!serviceIds.has(target.service))
          problems.push({ pointer, message: `service "${target.service}" does not exist in this world` });
      } else if (!pairs.has(`${target.from}->${target.to}`)) {
        problems.push({ pointer, message: `there is no link from "${target.from}" to "${target.to}" in this world` });
      }
    });
  });
  return problems;
}
