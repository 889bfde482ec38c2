// Where a clicked palette item lands: the requested spot, or the nearest one below it that no node covers.
import type { XYPosition } from '@xyflow/react';
import type { EditorNode } from '../store/flow-types';
import { NODE_SIZE } from './palette-drag';

const GAP = 16;

export function freeSpot(nodes: readonly EditorNode[], wanted: XYPosition): XYPosition {
  const overlaps = (at: XYPosition) =>
    nodes.some((n) => {
      const width = n.measured?.width ?? NODE_SIZE.width;
      const height = n.measured?.height ?? NODE_SIZE.height;
      return (
        at.x < n.position.x + width + GAP &&
        n.position.x < at.x + NODE_SIZE.width + GAP &&
        at.y < n.position.y + height + GAP &&
        n.position.y < at.y + NODE_SIZE.height + GAP
      );
    });
  for (let step = 0; step < 40; step++) {
    // Down first, then the next column to the right.
    const at = { x: wanted.x + Math.floor(step / 8) * (NODE_SIZE.width + 2 * GAP), y: wanted.y + (step % 8) * 48 };
    if (!overlaps(at)) return at;
  }
  return wanted;
}
