// Keeps one socket.io connection watching the open world, feeding frames, status and deploy progress into the traffic
// store and telling the editor store when a deployment appears or goes away.
import { useEffect } from 'react';
import { connectWorldSocket } from '../api/world-socket';
import { useStores } from '../store/editor-context';

export function useLiveConnection(): void {
  const { editor, traffic } = useStores();

  useEffect(() => {
    const socket = connectWorldSocket();
    let watched: string | null = null;
    // a replay feeds the traffic store from a recording: live events wait until it ends (then the world reloads)
    const replaying = () => editor.getState().replay !== null;

    const watch = (worldId: string | null) => {
      if (watched && watched !== worldId && socket.connected) socket.emit('world:unwatch', { worldId: watched });
      watched = worldId;
      if (!worldId || !socket.connected) return;
      socket.emit('world:watch', { worldId }, (ack) => {
        if (!ack.ok && editor.getState().worldId === worldId) {
          editor.getState().actions.pushToast({
            tone: 'error',
            title: 'Live traffic is unavailable',
            message: ack.error,
            ttlMs: 8000,
          });
        }
      });
    };

    socket.on('connect', () => watch(editor.getState().worldId));
    // A controller that shuts down ends every socket itself ("io server disconnect"), after which socket.io does
    // not reconnect on its own: ask again, so that the page watches the world once the controller is back.
    socket.on('disconnect', (reason) => {
      if (reason === 'io server disconnect') socket.connect();
    });
    socket.on('traffic:frame', (frame) => {
      if (frame.worldId !== editor.getState().worldId || replaying()) return;
      if (performance.now() < editor.getState().ignoreFramesUntil) return;
      traffic.getState().actions.ingestFrame(frame);
      editor.getState().actions.observeDeployedRev(frame.rev);
    });
    socket.on('faults:changed', (list) => {
      if (list.worldId !== editor.getState().worldId || replaying()) return;
      traffic.getState().actions.ingestFaults(list);
    });
    socket.on('deploy:progress', (progress) => {
      if (progress.worldId !== editor.getState().worldId || replaying()) return;
      traffic.getState().actions.ingestProgress(progress);
    });
    socket.on('scenario:progress', (progress) => {
      if (progress.worldId !== editor.getState().worldId || replaying()) return;
      traffic.getState().actions.ingestScenario(progress);
    });
    socket.on('service:status', (status) => {
      if (status.worldId !== editor.getState().worldId || replaying()) return;
      traffic.getState().actions.ingestStatus(status);
      // A status with no revision means nothing of this world runs any more.
      if (status.rev !== null) editor.getState().actions.observeDeployedRev(status.rev);
      else if (Object.values(traffic.getState().services).every((s) => s.state === 'stopped')) {
        editor.getState().actions.observeDeployedRev(null);
      }
    });

    const unsubscribe = editor.subscribe((state, previous) => {
      if (state.worldId !== previous.worldId) watch(state.worldId);
    });
    watch(editor.getState().worldId);

    return () => {
      unsubscribe();
      socket.disconnect();
    };
  }, [editor, traffic]);
}
