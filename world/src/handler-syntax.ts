// Whether a service's handler (a JavaScript module, its config's `handler`) parses, and where it does not: the one
// check the validator (a world with a handler that cannot run is not deployed), the editor (the error under the
// line it is on) and the service process use. Parsing only (acorn, ES modules, latest syntax): what the code
// does when it runs is the service's to find out.
import { parse } from 'acorn';

export interface HandlerSyntaxError {
  /** acorn's words, without the position it appends ("Unexpected token"). */
  message: string;
  /** 1-based line, 0-based column, and the offset into the source. */
  line: number;
  column: number;
  offset: number;
}

/** null when `source` parses as a module; otherwise the first syntax error and where it is. */
export function handlerSyntaxError(source: string): HandlerSyntaxError | null {
  try {
    parse(source, { ecmaVersion: 'latest', sourceType: 'module' });
    return null;
  } catch (err) {
    const e = err as Error & { loc?: { line: number; column: number }; pos?: number };
    return {
      message: e.message.replace(/\s*\(\d+:\d+\)$/, ''),
      line: e.loc?.line ?? 1,
      column: e.loc?.column ?? 0,
      offset: e.pos ?? 0,
    };
  }
}

/** The sentence a person reads: "the handler does not parse: Unexpected token (line 2, column 20)". */
export function describeHandlerSyntaxError(error: HandlerSyntaxError): string {
  return `the handler does not parse: ${error.message} (line ${error.line}, column ${error.column + 1})`;
}
