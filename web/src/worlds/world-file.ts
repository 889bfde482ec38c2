// World files: what Export downloads and Import reads. Import says exactly what is wrong and where.
import { type Problem, slugOf, validateWorld, type World } from '@dw/world';

export type ParsedWorldFile = { ok: true; world: World } | { ok: false; message: string; problems: Problem[] };

/** Reads a world file's text: JSON syntax first, then validateWorld (every problem, with its pointer). */
export function parseWorldFile(text: string, fileName: string): ParsedWorldFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return { ok: false, message: `${fileName} is not JSON: ${detail}`, problems: [] };
  }
  // An export of a record ({ id, rev, world }) is accepted too.
  const candidate =
    json !== null && typeof json === 'object' && 'world' in json && 'rev' in json
      ? (json as { world: unknown }).world
      : json;
  const result = validateWorld(candidate);
  if (!result.ok) {
    return {
      ok: false,
      message: `${fileName} is not a valid world (${result.problems.length} problem${result.problems.length === 1 ? '' : 's'})`,
      problems: result.problems,
    };
  }
  return { ok: true, world: result.value };
}

/** The file name an export gets: the world's name as a slug. */
export function worldFileName(name: string): string {
  return `${slugOf(name)}.world.json`;
}

/** Starts a browser download of the world as pretty JSON. */
export function downloadWorld(world: World): void {
  const blob = new Blob([`${JSON.stringify(world, null, 2)}\n`], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = worldFileName(world.name);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
