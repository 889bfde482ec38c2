// Which world is open, with the others one choice away. The closed picker shows the open world's name whole (it
// is as wide as its text, up to a limit; a longer name ends in "…" and shows whole in the tooltip); a world's id
// is added only where two worlds share a name, so the list still tells them apart.
import { useEditor, useEditorActions } from '../store/editor-context';

export function WorldPicker() {
  const worlds = useEditor((s) => s.worlds);
  const worldId = useEditor((s) => s.worldId);
  const name = useEditor((s) => s.name);
  const busy = useEditor((s) => s.busy !== null);
  const actions = useEditorActions();
  const known = worlds.some((w) => w.id === worldId);
  const nameOf = (w: { id: string; name: string }) => (w.id === worldId ? name || w.name : w.name);
  const counts = new Map<string, number>();
  for (const w of worlds) counts.set(nameOf(w), (counts.get(nameOf(w)) ?? 0) + 1);
  const label = (w: { id: string; name: string }) => {
    const shown = nameOf(w) || w.id;
    return (counts.get(nameOf(w)) ?? 0) > 1 ? `${shown} (${w.id})` : shown;
  };
  return (
    <select
      className="dw-select dw-picker"
      aria-label="Open world"
      title={worldId === null ? 'No world open' : `${name || worldId} (${worldId})`}
      value={worldId ?? ''}
      disabled={busy && worldId === null}
      onFocus={() => void actions.refreshWorlds()}
      onChange={(event) => void actions.openWorld(event.target.value)}
    >
      {worldId === null && <option value="">No world open</option>}
      {!known && worldId !== null && <option value={worldId}>{name || worldId}</option>}
      {worlds.map((w) => (
        <option key={w.id} value={w.id}>
          {label(w)}
        </option>
      ))}
    </select>
  );
}
