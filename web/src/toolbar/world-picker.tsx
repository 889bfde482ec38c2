// Which world is open, with the others one choice away.
import { useEditor, useEditorActions } from '../store/editor-context';

export function WorldPicker() {
  const worlds = useEditor((s) => s.worlds);
  const worldId = useEditor((s) => s.worldId);
  const name = useEditor((s) => s.name);
  const busy = useEditor((s) => s.busy !== null);
  const actions = useEditorActions();
  const known = worlds.some((w) => w.id === worldId);
  return (
    <select
      className="dw-select dw-picker"
      aria-label="Open world"
      value={worldId ?? ''}
      disabled={busy && worldId === null}
      onFocus={() => void actions.refreshWorlds()}
      onChange={(event) => void actions.openWorld(event.target.value)}
    >
      {worldId === null && <option value="">No world open</option>}
      {!known && worldId !== null && <option value={worldId}>{name || worldId}</option>}
      {worlds.map((w) => (
        <option key={w.id} value={w.id}>
          {w.id === worldId ? name || w.name : w.name} ({w.id})
        </option>
      ))}
    </select>
  );
}
