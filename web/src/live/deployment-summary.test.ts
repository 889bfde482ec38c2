import { describe, expect, it } from 'vitest';
import { summariseDeployment } from './deployment-summary';
import type { ServiceLive } from './traffic-store';

const live = (state: ServiceLive['state']): ServiceLive => ({ state, acceptedRate: 0, totalAccepted: 0 });

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
});
