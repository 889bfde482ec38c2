// Import a compose file as a new world; export the open world as <name>.compose.yaml or as Kubernetes manifests
// (<name>.kubernetes.yaml), saving pending edits first.
import { type ErrorBody, slugOf } from '@dw/world';
import { type ChangeEvent, useRef } from 'react';
import { authorizationHeader } from '../api/controller-token';
import { ApiError, worldPath } from '../api/http-client';
import { useEditor, useEditorActions } from '../store/editor-context';
import { errorToast } from '../store/toasts';

/** Starts a download of `url` the way a link with `download` does. */
function download(url: string, fileName: string): void {
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
}

/** The saved world's Kubernetes manifests; a world Kubernetes cannot name is an ApiError with its problems. */
async function kubernetesManifests(worldId: string): Promise<Blob> {
  const url = `${worldPath(worldId)}/kubernetes`;
  const response = await fetch(url, { headers: authorizationHeader() });
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as Partial<ErrorBody> | undefined;
    throw new ApiError(
      response.status,
      body?.message ?? `GET ${url} failed with HTTP ${response.status}`,
      body?.error ?? 'http',
      body?.problems ?? [],
    );
  }
  return response.blob();
}

export function ComposeButtons() {
  const busy = useEditor((s) => s.busy);
  const loaded = useEditor((s) => s.worldId !== null);
  const invalid = useEditor((s) => s.problems.list.length > 0);
  const observing = useEditor((s) => s.observing !== null);
  const worldId = useEditor((s) => s.worldId);
  const worldName = useEditor((s) => s.name);
  const actions = useEditorActions();
  const input = useRef<HTMLInputElement>(null);

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = ''; // choosing the same file again still fires
    if (file) await actions.importCompose(await file.text(), file.name);
  };
  const onExport = async () => {
    const url = await actions.exportCompose();
    if (url) download(url, `${slugOf(worldName)}.compose.yaml`);
  };
  const onExportKubernetes = async () => {
    // Saves pending edits first (what exportCompose does), then fetches, so that a refusal shows as a toast.
    if (worldId === null || !(await actions.exportCompose())) return;
    try {
      const url = URL.createObjectURL(await kubernetesManifests(worldId));
      download(url, `${slugOf(worldName)}.kubernetes.yaml`);
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      actions.pushToast(errorToast('Could not export for Kubernetes', error));
    }
  };
  const exportBlocker = !loaded ? 'No world is open' : invalid ? 'Fix the problems before exporting' : null;

  return (
    <section className="dw-palette__compose" aria-label="Docker compose">
      <h2 className="dw-panel-title">Docker compose</h2>
      <button
        type="button"
        className="dw-button dw-button--block"
        onClick={() => input.current?.click()}
        disabled={busy !== null || observing}
        title="Open a compose file (compose.yaml, docker-compose.yml) as a new world"
      >
        Import compose
      </button>
      <input
        ref={input}
        type="file"
        accept=".yaml,.yml,application/yaml,text/yaml"
        hidden
        data-testid="import-compose-file"
        onChange={(event) => void onFile(event)}
      />
      <button
        type="button"
        className="dw-button dw-button--block"
        onClick={() => void onExport()}
        disabled={exportBlocker !== null || busy !== null}
        title={exportBlocker ?? 'Download this world as compose.yaml (saves pending edits first)'}
      >
        Export compose
      </button>
      <button
        type="button"
        className="dw-button dw-button--block"
        onClick={() => void onExportKubernetes()}
        disabled={exportBlocker !== null || busy !== null}
        title={
          exportBlocker ??
          'Download this world as Kubernetes manifests: a Deployment and a Service per service, its identity issuer, and NetworkPolicies that admit only the links (saves pending edits first)'
        }
      >
        Export Kubernetes
      </button>
    </section>
  );
}
