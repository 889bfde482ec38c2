import { describe, expect, it } from 'vitest';
import { nextLinkId, nextServiceId } from './new-ids';

describe('new ids', () => {
  it('numbers services per kind, starting at 1', () => {
    expect(nextServiceId('client', [])).toBe('client-1');
    expect(nextServiceId('service', ['client-1', 'service-1'])).toBe('service-2');
  });

  it('never reuses a number below the largest, so a deleted id that may still run is not taken again', () => {
    expect(nextServiceId('service', ['service-3'])).toBe('service-4');
    expect(nextLinkId(['l1', 'l7', 'other'])).toBe('l8');
  });

  it('ignores ids that only look similar', () => {
    expect(nextServiceId('service', ['my-service-9', 'service-x'])).toBe('service-1');
  });
});
