// Where a running gateway's door is (http://127.0.0.1:<port>), and a button on the node that copies it. The port
// is the gateway's in the deploy status, asked for again each time it becomes ready (the live frames carry none).
import { useEffect, useState } from 'react';
import { httpClient } from '../../api/http-client';
import { useServiceState } from '../../live/use-live';
import { useEditor } from '../../store/editor-context';
import { doorUrl } from './try-request';

/** The door's URL while the gateway runs; null before it is ready, and when nothing runs. */
export function useDoorUrl(id: string, tls: boolean): string | null {
  const state = useServiceState(id);
  const worldId = useEditor((s) => s.worldId);
  const deployedRev = useEditor((s) => (s.replay === null ? s.deployedRev : null));
  const ready = state === 'ready';
  const running = state !== 'idle' && state !== 'stopped';
  const [port, setPort] = useState<number | null>(null);
  useEffect(() => {
    if (!ready || !worldId || deployedRev === null) return;
    let current = true;
    httpClient
      .deployStatus(worldId)
      .then((status) => {
        if (current) setPort(status.services.find((s) => s.id === id)?.port ?? null);
      })
      .catch(() => {});
    return () => {
      current = false;
    };
  }, [ready, worldId, deployedRev, id]);
  return running && port !== null ? doorUrl(port, tls) : null;
}

/** Copies text: the clipboard API where the page may use it, else a selected textarea and the copy command. */
async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    document.body.append(area);
    area.select();
    const copied = document.execCommand('copy');
    area.remove();
    return copied;
  }
}

export function DoorUrl({ id, tls }: { id: string; tls: boolean }) {
  const url = useDoorUrl(id, tls);
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(timer);
  }, [copied]);
  if (url === null) return null;
  return (
    <button
      type="button"
      className={`dw-gateway-url nodrag${copied ? ' dw-gateway-url--copied' : ''}`}
      data-testid={`gateway-url-${id}`}
      data-url={url}
      title={`Copy ${url}: the door from outside (try it in the inspector)`}
      onClick={(event) => {
        event.stopPropagation();
        void copyText(url).then(setCopied);
      }}
    >
      {copied ? '✓ copied' : url}
    </button>
  );
}
