// Conversions between the World contract and React Flow's nodes and edges.
import { type Scenario, type Settings, WORLD_VERSION, type World, type WorldService } from '@dw/world';
import type { EditorEdge, EditorNode } from './flow-types';

/** A world node as React Flow's node: its id and position apart, everything else its data. */
export function toNode(service: WorldService): EditorNode {
  const { id, position, ...data } = service;
  return { id, type: service.kind, position: { ...position }, data } as EditorNode;
}

export function toFlow(world: World): { nodes: EditorNode[]; edges: EditorEdge[] } {
  return {
    nodes: world.services.map(toNode),
    edges: world.links.map((link) => ({
      id: link.id,
      type: 'link',
      source: link.from,
      target: link.to,
      data: {
        ...(link.policy === undefined ? {} : { policy: link.policy }),
        ...(link.weight === undefined ? {} : { weight: link.weight }),
      },
    })),
  };
}

function toService(node: EditorNode): WorldService {
  const position = { x: Math.round(node.position.x), y: Math.round(node.position.y) };
  return { ...node.data, id: node.id, position } as WorldService;
}

export interface DraftParts {
  name: string;
  settings: Settings | undefined;
  scenarios?: Scenario[] | undefined;
  nodes: readonly EditorNode[];
  edges: readonly EditorEdge[];
}

/** The world as drawn right now. It may be invalid: validateWorld says where. */
export function toWorld({ name, settings, scenarios, nodes, edges }: DraftParts): World {
  const world: World = {
    version: WORLD_VERSION,
    name,
    services: nodes.map(toService),
    links: edges.map((edge) => ({
      id: edge.id,
      from: edge.source,
      to: edge.target,
      ...(edge.data?.policy === undefined ? {} : { policy: edge.data.policy }),
      ...(edge.data?.weight === undefined ? {} : { weight: edge.data.weight }),
    })),
  };
  if (settings !== undefined) world.settings = settings;
  if (scenarios !== undefined) world.scenarios = scenarios;
  return world;
}
