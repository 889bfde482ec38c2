// Import a compose file as a new world; export the open world as compose.yaml (saving pending edits first).
import { type ChangeEvent, useRef } from 'react';
import { useEditor, useEditorActions } from '../store/editor-context';

/** Starts a download of `url` the way a link with `download` does. */
function download(url: string, fileName: string): void {
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = fileName;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
}

export function ComposeButtons() {
  const busy = useEditor((s) => s.busy);
  const loaded = useEditor((s) => s.worldId !== null);
  const invalid = useEditor((s) => s.problems.list.length > 0);
  const observing = useEditor((s) => s.observing !== null);
  const actions = useEditorActions();
  const input = useRef<HTMLInputElement>(null);

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    event.target.value = ''; // choosing the same file again still fires
    if (file) await actions.importCompose(await file.text(), file.name);
  };
  const onExport = async () => {
    const url = await actions.exportCompose();
    if (url) download(url, 'compose.yaml');
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
    </section>
  );
}
