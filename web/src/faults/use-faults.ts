// Faults for components: the ones in force on a link or a service (from the live connection), and actions that
// call the controller and turn a failure into a toast that says what went wrong.
import type { ActiveFault, FaultSpec } from '@dw/world';
import { useCallback } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useEditor, useEditorActions, useTraffic } from '../store/editor-context';
import { faultClient } from './fault-client';

export function useLinkFaults(linkId: string): ActiveFault[] {
  return useTraffic(useShallow((s) => s.faults.filter((f) => 'linkId' in f.fault && f.fault.linkId === linkId)));
}

/** The pause in force on the service (on the one copy `replica`, when given; on all of them, when not). */
export function useServicePause(serviceId: string, replica?: number): ActiveFault | undefined {
  return useTraffic((s) =>
    s.faults.find((f) => f.fault.kind === 'pause' && f.fault.serviceId === serviceId && f.fault.replica === replica),
  );
}

export function useFaultActions() {
  const worldId = useEditor((s) => s.worldId);
  const { pushToast } = useEditorActions();
  const guard = useCallback(
    async (what: string, run: (worldId: string) => Promise<unknown>) => {
      if (!worldId) return;
      try {
        await run(worldId);
      } catch (error) {
        pushToast({ tone: 'error', title: what, message: (error as Error).message, ttlMs: 8000 });
      }
    },
    [worldId, pushToast],
  );
  return {
    inject: (fault: FaultSpec) => guard('Could not inject the fault', (id) => faultClient.add(id, fault)),
    heal: (faultId: string) => guard('Could not remove the fault', (id) => faultClient.remove(id, faultId)),
    kill: (serviceId: string, replica?: number) =>
      guard(`Could not kill ${serviceId}${replica !== undefined ? ` (replica ${replica})` : ''}`, (id) =>
        faultClient.kill(id, serviceId, replica),
      ),
    start: (serviceId: string) => guard(`Could not start ${serviceId}`, (id) => faultClient.start(id, serviceId)),
    restart: (serviceId: string, replica?: number) =>
      guard(`Could not restart ${serviceId}${replica !== undefined ? ` (replica ${replica})` : ''}`, (id) =>
        faultClient.restart(id, serviceId, replica),
      ),
  };
}
