// Conversions between the World contract and React Flow's nodes and edges.
import { type Settings, WORLD_VERSION, type World, type WorldService } from '@dw/world';
import type { EditorEdge, EditorNode } from './flow-types';

export function toNode(service: WorldService): EditorNode {
  const position = { ...service.position };
  switch (service.kind) {
    case 'client': {
      const display = service.display ? { display: service.display } : {};
      return { id: service.id, type: 'client', position, data: { kind: 'client', config: service.config, ...display } };
    }
    case 'service': {
      const display = service.display ? { display: service.display } : {};
      return {
        id: service.id,
        type: 'service',
        position,
        data: { kind: 'service', config: service.config, ...display },
      };
    }
    case 'intruder':
      return { id: service.id, type: 'intruder', position, data: { kind: 'intruder', config: service.config } };
  }
}

export function toFlow(world: World): { nodes: EditorNode[]; edges: EditorEdge[] } {
  return {
    nodes: world.services.map(toNode),
    edges: world.links.map((link) => ({
      id: link.id,
      type: 'link',
      source: link.from,
      target: link.to,
      data: link.policy === undefined ? {} : { policy: link.policy },
    })),
  };
}

function toService(node: EditorNode): WorldService {
  const position = { x: Math.round(node.position.x), y: Math.round(node.position.y) };
  switch (node.data.kind) {
    case 'client': {
      const display = node.data.display ? { display: node.data.display } : {};
      return { id: node.id, kind: 'client', position, config: node.data.config, ...display };
    }
    case 'service': {
      const display = node.data.display ? { display: node.data.display } : {};
      return { id: node.id, kind: 'service', position, config: node.data.config, ...display };
    }
    case 'intruder':
      return { id: node.id, kind: 'intruder', position, config: node.data.config };
  }
}

export interface DraftParts {
  name: string;
  settings: Settings | undefined;
  nodes: readonly EditorNode[];
  edges: readonly EditorEdge[];
}

/** The world as drawn right now. It may be invalid: validateWorld says where. */
export function toWorld({ name, settings, nodes, edges }: DraftParts): World {
  const world: World = {
    version: WORLD_VERSION,
    name,
    services: nodes.map(toService),
    links: edges.map((edge) =>
      edge.data?.policy === undefined
        ? { id: edge.id, from: edge.source, to: edge.target }
        : { id: edge.id, from: edge.source, to: edge.target, policy: edge.data.policy },
    ),
  };
  if (settings !== undefined) world.settings = settings;
  return world;
}
