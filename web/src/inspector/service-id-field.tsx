// The node's id, renameable. What is typed is checked as it is typed, and applied when the field is left (or on
// Enter) as one edit, one undo step, with its links following; a name that cannot be used (empty, taken, not a DNS
// label) is never applied: leaving the field keeps the old one and says so. Escape keeps the old one too.
import { useEffect, useRef, useState } from 'react';
import { useEditor, useEditorActions, useStores } from '../store/editor-context';
import { renameProblem, selectDraftWorld } from '../store/editor-store';
import { plainMessage } from '../store/problem-words';
import { TextField } from './fields';

export function ServiceIdField({ id }: { id: string }) {
  const actions = useEditorActions();
  const { editor } = useStores();
  const [text, setText] = useState(id);
  /** Escape was pressed: the blur that follows keeps the old name without a word. */
  const cancelled = useRef(false);
  const draftMessage = useEditor((s) => s.problems.nodes[id]?.id);

  useEffect(() => setText(id), [id]);

  /** Why `text` cannot be the node's name, in the editor's words; undefined when it can. */
  const problemOf = (next: string): string | undefined => {
    if (next === id) return undefined;
    if (next === '') return 'a node needs a name';
    const state = editor.getState();
    if (state.nodes.some((n) => n.id === next)) return `“${next}” is the name of another node`;
    const found = renameProblem(state, id, next);
    return found === undefined ? undefined : plainMessage({ pointer: '/id', message: found }, selectDraftWorld(state));
  };
  const problem = problemOf(text);

  const apply = () => {
    if (cancelled.current) {
      cancelled.current = false;
      setText(id);
      return;
    }
    if (text === id) return;
    if (problem === undefined && actions.renameNode(id, text)) return;
    actions.pushToast({
      tone: 'info',
      title: `Kept the name ${id}`,
      message: `“${text}” cannot be used: ${problem ?? 'it is taken'}.`,
      ttlMs: 6000,
    });
    setText(id);
  };

  return (
    <TextField
      label="Service id"
      value={text}
      message={problem !== undefined ? `${problem}; leaving the field keeps “${id}”` : draftMessage}
      hint="A DNS label: lowercase letters, digits and “-”. Applied when you leave the field; links follow a rename."
      onChange={setText}
      onBlur={apply}
      onKeyDown={(event) => {
        if (event.key === 'Enter') event.currentTarget.blur();
        if (event.key === 'Escape') {
          cancelled.current = true;
          event.currentTarget.blur();
        }
      }}
    />
  );
}
