// The diagram's own bar: undo/redo, copy/paste/duplicate, automatic layout. Short words, shortcuts in titles.
import { useEditor, useEditorActions } from '../store/editor-context';

interface CanvasBarProps {
  /** Fits the diagram into view, animated over `duration` ms (the canvas's sticky fit). */
  fit: (duration?: number) => void;
}

export function CanvasBar({ fit }: CanvasBarProps) {
  const canUndo = useEditor((s) => s.past.length > 0);
  const canRedo = useEditor((s) => s.future.length > 0);
  const hasClip = useEditor((s) => s.hasClip);
  const selected = useEditor((s) => s.nodes.some((n) => n.selected));
  const open = useEditor((s) => s.worldId !== null);
  const empty = useEditor((s) => s.nodes.length === 0);
  const actions = useEditorActions();
  if (!open) return null;
  return (
    <div className="dw-canvas-bar" role="toolbar" aria-label="Diagram">
      <button type="button" className="dw-tool" title="Undo (Ctrl+Z)" disabled={!canUndo} onClick={actions.undo}>
        <span aria-hidden="true">↶</span> Undo
      </button>
      <button type="button" className="dw-tool" title="Redo (Ctrl+Shift+Z)" disabled={!canRedo} onClick={actions.redo}>
        <span aria-hidden="true">↷</span> Redo
      </button>
      <span className="dw-canvas-bar__sep" aria-hidden="true" />
      <button
        type="button"
        className="dw-tool"
        title="Copy the selected nodes and the links among them (Ctrl+C)"
        disabled={!selected}
        onClick={() => actions.copy()}
      >
        Copy
      </button>
      <button type="button" className="dw-tool" title="Paste (Ctrl+V)" disabled={!hasClip} onClick={actions.paste}>
        Paste
      </button>
      <button
        type="button"
        className="dw-tool"
        title="Duplicate the selection (Ctrl+D)"
        disabled={!selected}
        onClick={actions.duplicateSelection}
      >
        Duplicate
      </button>
      <span className="dw-canvas-bar__sep" aria-hidden="true" />
      <button
        type="button"
        className="dw-tool"
        title="Arrange the diagram in layers, left to right"
        disabled={empty}
        onClick={() => {
          actions.autoLayout();
          requestAnimationFrame(() => fit(200));
        }}
      >
        Auto layout
      </button>
    </div>
  );
}
