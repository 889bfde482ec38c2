// The node's id, renameable. A valid, free id applies at once (links follow); an empty or taken one waits here with
// validateWorld's message and is dropped on blur.
import { useEffect, useState } from 'react';
import { useEditor, useEditorActions, useStores } from '../store/editor-context';
import { renameProblem } from '../store/editor-store';
import { TextField } from './fields';

export function ServiceIdField({ id }: { id: string }) {
  const actions = useEditorActions();
  const { editor } = useStores();
  const [text, setText] = useState(id);
  const [pending, setPending] = useState<string | undefined>();
  const draftMessage = useEditor((s) => s.problems.nodes[id]?.id);

  useEffect(() => {
    setText(id);
    setPending(undefined);
  }, [id]);

  return (
    <TextField
      label="Service id"
      value={text}
      message={pending ?? draftMessage}
      hint="A DNS label: lowercase letters, digits and “-”. Links follow a rename."
      onChange={(next) => {
        setText(next);
        if (actions.renameNode(id, next)) setPending(undefined);
        else setPending(renameProblem(editor.getState(), id, next) ?? 'this id cannot be used');
      }}
      onBlur={() => {
        if (pending !== undefined) {
          setText(id);
          setPending(undefined);
        }
      }}
    />
  );
}
