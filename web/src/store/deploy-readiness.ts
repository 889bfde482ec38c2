// Whether the open world can be deployed, in one set of words that the toolbar and the world's inspector share, so
// the two never disagree: an empty world is neither an error nor "ready to deploy", it has nothing to deploy yet.
import type { EditorState } from './editor-store';
import { plural } from './slices/slice-kit';

export type ReadinessTone = 'closed' | 'loading' | 'problems' | 'empty' | 'ready';

export interface Readiness {
  tone: ReadinessTone;
  /** Short, for the toolbar and the Deploy button's tooltip. */
  message: string;
  /** What to do about it, for the inspector (the message, then this). */
  hint: string;
}

type ReadinessInput = Pick<EditorState, 'worldId' | 'busy' | 'problems' | 'nodes'>;

export function deployReadiness(s: ReadinessInput): Readiness {
  if (s.worldId === null) return { tone: 'closed', message: 'No world is open', hint: '' };
  if (s.busy === 'loading' || s.busy === 'creating') return { tone: 'loading', message: 'Loading…', hint: '' };
  const problems = s.problems.list.length;
  if (problems > 0) {
    return { tone: 'problems', message: `${plural(problems, 'problem')} to fix`, hint: 'before deploying' };
  }
  if (s.nodes.length === 0) {
    return { tone: 'empty', message: 'Nothing to deploy yet', hint: 'add a client and a service, then link them' };
  }
  return { tone: 'ready', message: 'Ready to deploy', hint: 'no problems' };
}

/** Selectors that answer strings (stable between equal states), for `useEditor`. */
export const selectReadinessTone = (s: ReadinessInput): ReadinessTone => deployReadiness(s).tone;
export const selectReadinessMessage = (s: ReadinessInput): string => deployReadiness(s).message;
export const selectReadinessHint = (s: ReadinessInput): string => deployReadiness(s).hint;
