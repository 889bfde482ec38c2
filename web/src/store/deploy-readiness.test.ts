import { describe, expect, it } from 'vitest';
import { deployReadiness } from './deploy-readiness';
import type { EditorNode } from './flow-types';
import { NO_PROBLEMS, type ProblemIndex } from './problem-index';

const node = { id: 'orders' } as EditorNode;
const twoProblems: ProblemIndex = {
  ...NO_PROBLEMS,
  list: [
    { pointer: '/name', message: 'must not be empty' },
    { pointer: '/services/0/id', message: 'is taken' },
  ],
};

describe('deployReadiness', () => {
  it('an empty world has nothing to deploy yet: neither problems nor ready', () => {
    const r = deployReadiness({ worldId: 'w', busy: null, problems: NO_PROBLEMS, nodes: [] });
    expect(r).toEqual({ tone: 'empty', message: 'Nothing to deploy yet', hint: expect.stringContaining('add') });
  });

  it('problems come first, counted', () => {
    expect(deployReadiness({ worldId: 'w', busy: null, problems: twoProblems, nodes: [node] })).toMatchObject({
      tone: 'problems',
      message: '2 problems to fix',
    });
  });

  it('a drawn world without problems is ready; a closed or loading one says so', () => {
    expect(deployReadiness({ worldId: 'w', busy: null, problems: NO_PROBLEMS, nodes: [node] }).tone).toBe('ready');
    expect(deployReadiness({ worldId: null, busy: null, problems: NO_PROBLEMS, nodes: [] }).tone).toBe('closed');
    expect(deployReadiness({ worldId: 'w', busy: 'loading', problems: NO_PROBLEMS, nodes: [] }).tone).toBe('loading');
  });
});
