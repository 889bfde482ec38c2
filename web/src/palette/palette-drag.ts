// The palette and the canvas agree on how a dragged kind travels in a DataTransfer.
import { SERVICE_KINDS, type ServiceKind } from '@dw/world';

export const KIND_MIME = 'application/x-dw-kind';

export function readDraggedKind(data: DataTransfer): ServiceKind | null {
  const value = data.getData(KIND_MIME) || data.getData('text/plain');
  return (SERVICE_KINDS as readonly string[]).includes(value) ? (value as ServiceKind) : null;
}

/** Nodes are placed so the drop point is their centre. */
export const NODE_SIZE = { width: 172, height: 64 };
