// What each slice of the editor store is built with: the store's own set and get (every slice sees the whole
// state, and calls another slice's public actions through get().actions), and the store's dependencies.
import type { StoreApi } from 'zustand/vanilla';
import type { HttpClient } from '../../api/http-client';
import type { TrafficStore } from '../../live/traffic-store';
import type { EditorState } from '../editor-store';

export interface SliceKit {
  set: StoreApi<EditorState>['setState'];
  get: StoreApi<EditorState>['getState'];
  http: HttpClient;
  traffic: TrafficStore;
}

/** A slice: its part of the initial state, and its actions (merged into the store's one `actions` object). */
export interface Slice<S, A> {
  state: S;
  actions: A;
}

export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
