import { describe, expect, it } from 'vitest';
import { countSteps, summariseDeployment } from './deployment-summary';
import type { ServiceLive, ServiceProgress } from './traffic-store';

const live = (state: ServiceLive['state']): ServiceLive => ({ state, acceptedRate: 0, totalAccepted: 0 });
const at = (step: ServiceProgress['step'], detail?: string): ServiceProgress => ({
  step,
  at: 0,
  ...(detail ? { detail } : {}),
});

describe('summariseDeployment', () => {
  it('shows how many services are ready while a deployment starts', () => {
    const services = { a: live('ready'), b: live('starting'), c: live('starting') };
    expect(summariseDeployment(1, services, null)).toEqual({ tone: 'warn', label: 'Starting · 1/3 ready' });
    expect(summariseDeployment(1, { a: live('ready'), b: live('ready') }, null)).toEqual({
      tone: 'ok',
      label: 'Running',
    });
    expect(summariseDeployment(1, { a: live('crashed'), b: live('starting') }, null).tone).toBe('bad');
  });

  it('counts the services of a deploy at each step, then says running once all are ready', () => {
    const services = { a: live('starting'), b: live('starting'), c: live('starting'), d: live('ready') };
    const progress = { a: at('identity-issued'), b: at('starting'), c: at('starting'), d: at('ready') };
    expect(countSteps(progress)).toEqual({ identity: 1, starting: 2, ready: 1, crashed: 0, total: 4 });
    // services that have not reported a step yet still count in the total
    expect(countSteps({ a: at('identity-issued') }, 3)).toMatchObject({ identity: 1, total: 3 });
    expect(summariseDeployment(null, services, 'deploying', progress)).toEqual({
      tone: 'busy',
      label: 'Deploying · 1/4 ready',
    });
    const ready = { a: at('ready'), b: at('ready'), c: at('ready'), d: at('ready') };
    const running = { a: live('ready'), b: live('ready'), c: live('ready'), d: live('ready') };
    expect(summariseDeployment(1, running, null, ready)).toEqual({ tone: 'ok', label: 'Running' });
    // a redeploy: only what it restarts is counted
    expect(summariseDeployment(2, running, null, { b: at('starting') }).label).toBe('Deploying · 0/1 ready');
  });

  it('says when a deploy failed or a service crashed while it started', () => {
    expect(summariseDeployment(null, {}, null, { a: at('failed', 'deploy failed: no CA') })).toEqual({
      tone: 'bad',
      label: 'Deploy failed',
    });
    const progress = { a: at('crashed', 'exit code 1'), b: at('starting') };
    expect(summariseDeployment(1, { a: live('crashed'), b: live('starting') }, null, progress)).toEqual({
      tone: 'bad',
      label: '1 crashed',
    });
  });
});
