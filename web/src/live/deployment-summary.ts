// One word for how the deployment is doing, from the states of its services.
import type { ServiceLive } from './traffic-store';

export type SummaryTone = 'idle' | 'busy' | 'ok' | 'warn' | 'bad';

export interface DeploymentSummary {
  tone: SummaryTone;
  label: string;
}

export function summariseDeployment(
  deployedRev: number | null,
  services: Record<string, ServiceLive>,
  busy: string | null,
): DeploymentSummary {
  if (busy === 'deploying') return { tone: 'busy', label: 'Deploying…' };
  if (busy === 'stopping') return { tone: 'busy', label: 'Stopping…' };
  if (deployedRev === null) return { tone: 'idle', label: 'Not deployed' };
  const states = Object.values(services).map((s) => s.state);
  const crashed = states.filter((s) => s === 'crashed').length;
  if (crashed > 0) return { tone: 'bad', label: `${crashed} crashed` };
  if (states.some((s) => s === 'starting' || s === 'restarting')) {
    // progress from the services' own status events: each turns ready once it really listens (or sends)
    const ready = states.filter((s) => s === 'ready').length;
    return { tone: 'warn', label: `Starting · ${ready}/${states.length} ready` };
  }
  if (states.length > 0 && states.every((s) => s === 'paused')) return { tone: 'warn', label: 'Paused' };
  if (states.length > 0 && states.every((s) => s === 'stopped')) return { tone: 'idle', label: 'Stopped' };
  return { tone: 'ok', label: 'Running' };
}
