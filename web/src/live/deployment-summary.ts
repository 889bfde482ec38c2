// One word for how the deployment is doing, from the states of its services and the steps of the latest deploy.
import { deployInProgress, type ServiceLive, type ServiceProgress } from './traffic-store';

export type SummaryTone = 'idle' | 'busy' | 'ok' | 'warn' | 'bad';

export interface DeploymentSummary {
  tone: SummaryTone;
  label: string;
}

/** How many services of a deploy are at each step (the last each reported). */
export interface StepCounts {
  identity: number;
  starting: number;
  ready: number;
  crashed: number;
  total: number;
}

/** `of`: how many services the deploy starts, some of which may not have reported a step yet. */
export function countSteps(progress: Record<string, ServiceProgress>, of = 0): StepCounts {
  const counts: StepCounts = { identity: 0, starting: 0, ready: 0, crashed: 0, total: 0 };
  for (const { step } of Object.values(progress)) {
    counts.total++;
    if (step === 'identity-issued') counts.identity++;
    else if (step === 'starting') counts.starting++;
    else if (step === 'ready') counts.ready++;
    else counts.crashed++;
  }
  counts.total = Math.max(counts.total, of);
  return counts;
}

export function summariseDeployment(
  deployedRev: number | null,
  services: Record<string, ServiceLive>,
  busy: string | null,
  progress: Record<string, ServiceProgress> = {},
  /** How many services the deploy starts. */
  progressOf = 0,
): DeploymentSummary {
  if (busy === 'stopping') return { tone: 'busy', label: 'Stopping…' };
  const failed = Object.values(progress).filter((p) => p.step === 'failed').length;
  if (failed > 0) return { tone: 'bad', label: 'Deploy failed' };
  const states = Object.values(services).map((s) => s.state);
  const crashed = states.filter((s) => s === 'crashed').length;
  if (crashed > 0 && (deployedRev !== null || deployInProgress(progress))) {
    return { tone: 'bad', label: `${crashed} crashed` };
  }
  // the deploy's steps as they stream in (they may come before the answer to the deploy request)
  if (deployInProgress(progress)) {
    const counts = countSteps(progress, progressOf);
    return { tone: 'busy', label: `Deploying · ${counts.ready}/${counts.total} ready` };
  }
  if (busy === 'deploying') return { tone: 'busy', label: 'Deploying…' };
  if (deployedRev === null) return { tone: 'idle', label: 'Not deployed' };
  if (states.some((s) => s === 'starting' || s === 'restarting')) {
    // progress from the services' own status events: each turns ready once it really listens (or sends)
    const ready = states.filter((s) => s === 'ready').length;
    return { tone: 'warn', label: `Starting · ${ready}/${states.length} ready` };
  }
  if (states.length > 0 && states.every((s) => s === 'paused')) return { tone: 'warn', label: 'Paused' };
  if (states.length > 0 && states.every((s) => s === 'stopped')) return { tone: 'idle', label: 'Stopped' };
  return { tone: 'ok', label: 'Running' };
}
