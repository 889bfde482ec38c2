// React access to the two stores: components select the few values they show, never the whole state.
import { createContext, type ReactNode, useContext } from 'react';
import { useStore } from 'zustand';
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
