// A service's own code in the inspector: a CodeMirror 6 editor (JavaScript highlighting, line numbers, brackets)
// that marks a syntax error where it is, found by the same check the validator runs (@dw/world
// handlerSyntaxError), with the message under the editor. Without a handler, a button starts one from a template.
import { javascript } from '@codemirror/lang-javascript';
import { type Diagnostic, linter, lintGutter } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { handlerSyntaxError, MAX_HANDLER_CHARS } from '@dw/world';
import { basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';

/** What a new handler starts as: a complete, working example of request, ctx.call and the answer. */
export const HANDLER_TEMPLATE = `// Answers every call a linked caller makes. ctx.call(peer, { method, path, headers, body })
// reaches the services this one links to, over mutual TLS; ctx.log writes to this node's logs.
export default async (request, ctx) => {
  const answers = await Promise.all(ctx.peers.map((peer) => ctx.call(peer, { path: '/' })));
  return {
    status: 200,
    body: { service: ctx.service, path: request.path, peers: answers.map((a) => a.status) },
  };
};
`;

/** The editor's diagnostics: the first syntax error, as the validator sees it. */
function syntaxDiagnostics(view: EditorView): Diagnostic[] {
  const source = view.state.doc.toString();
  const error = handlerSyntaxError(source);
  if (!error) return [];
  const from = Math.min(error.offset, source.length);
  const to = Math.min(from + 1, source.length);
  return [{ from, to: Math.max(to, from), severity: 'error', message: error.message }];
}

interface HandlerEditorProps {
  id: string;
  value: string;
  message: string | undefined;
  onChange(value: string): void;
}

export function HandlerEditor({ id, value, message, onChange }: HandlerEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

  // One editor per node, made once; the text it starts with is the handler's.
  // biome-ignore lint/correctness/useExhaustiveDependencies: value is read once here, then kept in sync below
  useEffect(() => {
    if (!host.current) return;
    const editor = new EditorView({
      parent: host.current,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          javascript(),
          lintGutter(),
          linter(syntaxDiagnostics, { delay: 250 }),
          EditorState.changeFilter.of((tr) => tr.newDoc.length <= MAX_HANDLER_CHARS),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) changed.current(update.state.doc.toString());
          }),
          EditorView.contentAttributes.of({ 'aria-label': `Handler of ${id}` }),
        ],
      }),
    });
    view.current = editor;
    return () => {
      editor.destroy();
      view.current = null;
    };
  }, [id]);

  // Undo, redo or another edit of the draft: the editor shows the handler as it is now.
  useEffect(() => {
    const editor = view.current;
    if (!editor) return;
    const current = editor.state.doc.toString();
    if (current !== value) editor.dispatch({ changes: { from: 0, to: current.length, insert: value } });
  }, [value]);

  return (
    <div className={`dw-field dw-handler${message ? ' dw-field--invalid' : ''}`}>
      <div ref={host} className="dw-handler__editor" data-testid={`handler-editor-${id}`} />
      {message ? (
        <p className="dw-field__message" data-testid={`handler-message-${id}`}>
          {message}
        </p>
      ) : (
        <p className="dw-field__hint">
          Runs in this service's process on this machine, as the controller's user. Latency and error rate no longer
          apply; a throw answers 500 to that request only.
        </p>
      )}
    </div>
  );
}
