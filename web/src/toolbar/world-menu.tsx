// What else can be done with worlds: start from a template, duplicate, import or export a file, delete.
// A disclosure menu: a button that opens a list of buttons; closes after a choice, on Escape or a click outside.
import { useEffect, useRef, useState } from 'react';
import { useEditor, useEditorActions, useStores } from '../store/editor-context';
import { selectDraftWorld } from '../store/editor-store';
import { TEMPLATES } from '../worlds/templates';
import { downloadWorld, parseWorldFile } from '../worlds/world-file';

export function WorldMenu() {
  const menu = useRef<HTMLDivElement>(null);
  const [expanded, setExpanded] = useState(false);
  const file = useRef<HTMLInputElement>(null);
  const open = useEditor((s) => s.worldId !== null);
  const busy = useEditor((s) => s.busy !== null);
  const name = useEditor((s) => s.name);
  const actions = useEditorActions();
  const { editor } = useStores();
  const close = () => setExpanded(false);
  useEffect(() => {
    if (!expanded) return;
    const onPointerDown = (event: PointerEvent) => {
      if (!menu.current?.contains(event.target as Node)) setExpanded(false);
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === 'Escape') setExpanded(false);
    };
    window.addEventListener('pointerdown', onPointerDown);
    window.addEventListener('keydown', onKeyDown);
    return () => {
      window.removeEventListener('pointerdown', onPointerDown);
      window.removeEventListener('keydown', onKeyDown);
    };
  }, [expanded]);
  const choose = (run: () => unknown) => () => {
    close();
    run();
  };

  async function importFile(picked: File | undefined): Promise<void> {
    if (!picked) return;
    const parsed = parseWorldFile(await picked.text(), picked.name);
    if (file.current) file.current.value = '';
    if (!parsed.ok) {
      const problems = parsed.problems.slice(0, 6).map((p) => `${p.pointer || '/'}: ${p.message}`);
      const more = parsed.problems.length > 6 ? [`…and ${parsed.problems.length - 6} more`] : [];
      actions.pushToast({
        tone: 'error',
        title: 'Not imported',
        message: [parsed.message, ...problems, ...more].join('\n'),
      });
      return;
    }
    await actions.importWorld(parsed.world);
  }

  return (
    <div ref={menu} className="dw-menu">
      <button
        type="button"
        className="dw-button"
        aria-label="World menu"
        aria-expanded={expanded}
        aria-controls="dw-world-menu"
        onClick={() => setExpanded(!expanded)}
      >
        Worlds <span aria-hidden="true">▾</span>
      </button>
      <div className="dw-menu__list" id="dw-world-menu" hidden={!expanded}>
        <div className="dw-menu__heading">Start from a template</div>
        {TEMPLATES.map((t) => (
          <button
            key={t.key}
            type="button"
            className="dw-menu__item"
            data-testid={`template-${t.key}`}
            disabled={busy}
            onClick={choose(() => void actions.createWorld(structuredClone(t.world)))}
          >
            {t.title}
          </button>
        ))}
        <div className="dw-menu__heading">This world</div>
        <button
          type="button"
          className="dw-menu__item"
          disabled={!open || busy}
          onClick={choose(() => void actions.duplicateWorld())}
        >
          Duplicate world
        </button>
        <button
          type="button"
          className="dw-menu__item"
          disabled={!open}
          onClick={choose(() => downloadWorld(selectDraftWorld(editor.getState())))}
        >
          Export file (.json)
        </button>
        <button type="button" className="dw-menu__item" disabled={busy} onClick={choose(() => file.current?.click())}>
          Import file…
        </button>
        <button
          type="button"
          className="dw-menu__item dw-menu__item--danger"
          disabled={!open || busy}
          onClick={choose(() => {
            if (
              window.confirm(
                `Delete the world "${name}"? Its deployment stops, and its file and its recorded runs are removed.`,
              )
            ) {
              void actions.deleteWorld();
            }
          })}
        >
          Delete world…
        </button>
      </div>
      <input
        ref={file}
        type="file"
        accept="application/json,.json"
        hidden
        data-testid="import-file"
        onChange={(event) => void importFile(event.target.files?.[0])}
      />
    </div>
  );
}
