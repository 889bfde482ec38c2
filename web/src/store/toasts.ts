// Messages for people about what just happened, mostly failed API calls with the server's own sentence.
import { ApiError } from '../api/http-client';

export type ToastTone = 'error' | 'info' | 'success';

export interface Toast {
  id: number;
  tone: ToastTone;
  title: string;
  message?: string;
  action?: { label: string; run: () => void };
  /** Milliseconds before it goes away on its own; undefined keeps it until dismissed. */
  ttlMs?: number;
}

export type ToastInput = Omit<Toast, 'id'>;

/** A toast for a failed call: the server's message, and the first few problems with where they are. */
export function errorToast(title: string, error: unknown): ToastInput {
  if (error instanceof ApiError) {
    const problems = error.problems.slice(0, 3).map((p) => `${p.pointer || '/'}: ${p.message}`);
    const more = error.problems.length > 3 ? [`…and ${error.problems.length - 3} more`] : [];
    return { tone: 'error', title, message: [error.message, ...problems, ...more].join('\n'), ttlMs: 10_000 };
  }
  return { tone: 'error', title, message: error instanceof Error ? error.message : String(error), ttlMs: 10_000 };
}
