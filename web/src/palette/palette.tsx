// The kinds a world is made of. Drag one onto the canvas, or click it (or press Enter) to add it at the
// centre of the view.
import type { ServiceKind } from '@dw/world';
import { useReactFlow } from '@xyflow/react';
import { type DragEvent, useCallback } from 'react';
import { ComposeButtons } from '../compose/compose-buttons';
import { PALETTE } from '../kinds';
import { useEditor, useEditorActions, useStores } from '../store/editor-context';
import { freeSpot } from './free-spot';
import { KIND_MIME, NODE_SIZE } from './palette-drag';

export function Palette() {
  const actions = useEditorActions();
  const disabled = useEditor((s) => s.worldId === null || s.observing !== null || s.replay !== null);
  const flow = useReactFlow();
  const { editor } = useStores();

  const onDragStart = useCallback((event: DragEvent, kind: ServiceKind) => {
    event.dataTransfer.setData(KIND_MIME, kind);
    event.dataTransfer.setData('text/plain', kind);
    event.dataTransfer.effectAllowed = 'copy';
  }, []);

  const addAtCentre = useCallback(
    (kind: ServiceKind) => {
      const pane = document.querySelector('.react-flow__pane')?.getBoundingClientRect();
      if (!pane) return;
      const centre = flow.screenToFlowPosition({ x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 });
      const wanted = { x: centre.x - NODE_SIZE.width / 2, y: centre.y - NODE_SIZE.height / 2 };
      actions.addNode(kind, freeSpot(editor.getState().nodes, wanted));
    },
    [actions, editor, flow],
  );

  return (
    <aside className="dw-palette" aria-label="Palette">
      <h2 className="dw-panel-title">Add</h2>
      {PALETTE.map((item) => (
        <button
          key={item.kind}
          type="button"
          className={`dw-palette__item dw-kind--${item.kind}`}
          data-testid={`palette-${item.kind}`}
          draggable={!disabled}
          disabled={disabled}
          onDragStart={(event) => onDragStart(event, item.kind)}
          onClick={() => addAtCentre(item.kind)}
          title={`Drag onto the canvas, or click to add a ${item.kind}`}
        >
          <span className="dw-palette__swatch" aria-hidden="true" />
          <span className="dw-palette__text">
            <span className="dw-palette__title">{item.title}</span>
            <span className="dw-palette__description">{item.summary}</span>
          </span>
        </button>
      ))}
      <ComposeButtons />
      <div className="dw-palette__help">
        <h2 className="dw-panel-title">How to</h2>
        <ul>
          <li>Connect a node's right handle to another's left handle.</li>
          <li>
            <kbd>Delete</kbd> removes what is selected.
          </li>
          <li>
            <kbd>Ctrl</kbd>+<kbd>S</kbd> saves.
          </li>
        </ul>
        <h2 className="dw-panel-title">Dots</h2>
        <ul className="dw-legend">
          <li>
            <span className="dw-legend__dot dw-legend__dot--ok" /> request
          </li>
          <li>
            <span className="dw-legend__dot dw-legend__dot--error" /> error
          </li>
          <li>
            <span className="dw-legend__dot dw-legend__dot--refused" /> refused
          </li>
        </ul>
      </div>
    </aside>
  );
}
