// Conversions between the World contract and React Flow's nodes and edges.
import { type Scenario, type Settings, WORLD_VERSION, type World, type WorldService } from '@dw/world';
import type { EditorEdge, EditorNode } from './flow-types';

export function toNode(service: WorldService): EditorNode {
  const position = { ...service.position };
  switch (service.kind) {
    case 'client':
    case 'service': {
      const extra = {
        ...(service.display ? { display: service.display } : {}),
        ...(service.restart ? { restart: service.restart } : {}),
      };
      if (service.kind === 'client') {
        return { id: service.id, type: 'client', position, data: { kind: 'client', config: service.config, ...extra } };
      }
      const replicas = service.replicas !== undefined ? { replicas: service.replicas } : {};
      return {
        id: service.id,
        type: 'service',
        position,
        data: { kind: 'service', config: service.config, ...extra, ...replicas },
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
      data: {
        ...(link.policy === undefined ? {} : { policy: link.policy }),
        ...(link.weight === undefined ? {} : { weight: link.weight }),
      },
    })),
  };
}

function toService(node: EditorNode): WorldService {
  const position = { x: Math.round(node.position.x), y: Math.round(node.position.y) };
  switch (node.data.kind) {
    case 'client':
    case 'service': {
      const extra = {
        ...(node.data.display ? { display: node.data.display } : {}),
        ...(node.data.restart ? { restart: node.data.restart } : {}),
      };
      if (node.data.kind === 'client')
        return { id: node.id, kind: 'client', position, config: node.data.config, ...extra };
      const replicas = node.data.replicas !== undefined ? { replicas: node.data.replicas } : {};
      return { id: node.id, kind: 'service', position, config: node.data.config, ...extra, ...replicas };
    }
    case 'intruder':
      return { id: node.id, kind: 'intruder', position, config: node.data.config };
  }
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
