// React access to the two stores: components select the few values they show, never the whole state.
import { createContext, type ReactNode, useContext, useSyncExternalStore } from 'react';
import { useStore } from 'zustand';
import { displayClock } from '../live/display-clock';
import type { TrafficState, TrafficStore } from '../live/traffic-store';
import type { EditorActions, EditorState, EditorStore } from './editor-store';

export interface Stores {
  editor: EditorStore;
  traffic: TrafficStore;
}

const StoresContext = createContext<Stores | null>(null);

export function StoresProvider({ stores, children }: { stores: Stores; children: ReactNode }) {
  return <StoresContext.Provider value={stores}>{children}</StoresContext.Provider>;
}

export function useStores(): Stores {
  const stores = useContext(StoresContext);
  if (!stores) throw new Error('useStores must be used inside <StoresProvider>');
  return stores;
}

export function useEditor<T>(selector: (state: EditorState) => T): T {
  return useStore(useStores().editor, selector);
}

export function useEditorActions(): EditorActions {
  return useStore(useStores().editor, (state) => state.actions);
}

export function useTraffic<T>(selector: (state: TrafficState) => T): T {
  return useStore(useStores().traffic, selector);
}

/** Pausing or resuming holds or frees the numbers at once; a stopped deployment's numbers go at once. */
const urgentForDisplay = (state: TrafficState, previous: TrafficState) =>
  state.paused !== previous.paused ||
  state.worldId !== previous.worldId ||
  (state.links !== previous.links && Object.keys(state.links).length === 0);

/**
 * Like useTraffic, for a number repeated across the canvas (link labels, node rates): re-renders on the display
 * clock (at most twice a second, the latest value) rather than on every frame.
 */
export function useTrafficShown<T>(selector: (state: TrafficState) => T): T {
  const traffic = useStores().traffic;
  const clock = displayClock(traffic, urgentForDisplay);
  return useSyncExternalStore(clock.subscribe, () => selector(traffic.getState()));
}
