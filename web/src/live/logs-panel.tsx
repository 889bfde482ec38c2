// One service's stdout and stderr, live: the lines the controller kept (its bounded ring), then each new one.
// Its own socket.io connection, open only while the panel is shown.
import type { ServiceLogLine } from '@dw/world';
import { useEffect, useRef, useState } from 'react';
import { connectWorldSocket } from '../api/world-socket';
import { useEditor } from '../store/editor-context';

const SHOWN = 200;
/** Just after a deploy the service may not run yet: ask again, once a second, this many times before saying so. */
const ASKS = 15;

export function LogsPanel({ serviceId }: { serviceId: string }) {
  const worldId = useEditor((s) => s.worldId);
  const deployedRev = useEditor((s) => s.deployedRev);
  const [lines, setLines] = useState<(ServiceLogLine & { seq: number })[]>([]);
  const seq = useRef(0);
  const [problem, setProblem] = useState<string | null>(null);
  const box = useRef<HTMLOListElement>(null);

  useEffect(() => {
    setLines([]);
    setProblem(null);
    if (!worldId || deployedRev === null) return;
    const socket = connectWorldSocket();
    const request = { worldId, serviceId };
    let retry: ReturnType<typeof setTimeout> | undefined;
    const watch = (asked: number) => {
      socket.emit('logs:watch', request, (ack) => {
        if (ack.ok) {
          setProblem(null);
          setLines(ack.lines.slice(-SHOWN).map((l) => ({ ...l, seq: seq.current++ })));
        } else if (asked < ASKS) retry = setTimeout(() => watch(asked + 1), 1000);
        else setProblem(ack.error);
      });
    };
    socket.on('connect', () => watch(1));
    socket.on('service:log', (line) => {
      if (line.worldId === worldId && line.id === serviceId)
        setLines((all) => [...all, { ...line, seq: seq.current++ }].slice(-SHOWN));
    });
    return () => {
      clearTimeout(retry);
      socket.emit('logs:unwatch', request);
      socket.disconnect();
    };
  }, [worldId, deployedRev, serviceId]);

  useEffect(() => {
    const el = box.current;
    if (el && lines.length > 0) el.scrollTop = el.scrollHeight;
  }, [lines]);

  if (deployedRev === null) return null;
  return (
    <section className="dw-inspector__section" aria-label="Logs">
      <h3 className="dw-section-title">Logs</h3>
      {problem && <p className="dw-muted">{problem}</p>}
      <ol className="dw-logs" ref={box} data-testid={`logs-${serviceId}`}>
        {lines.map((l) => (
          <li key={l.seq} className={`dw-logs__line dw-logs__line--${l.stream}`}>
            {l.line}
          </li>
        ))}
      </ol>
    </section>
  );
}
