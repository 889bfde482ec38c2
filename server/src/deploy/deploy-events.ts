// The events of running worlds, by name: what the deployments emit on the deployer's bus and the socket plugin,
// the scenario runner and "find the limit" subscribe to. Every payload is a shape of @dw/world.
import type {
  DeployProgressEvent,
  FaultList,
  IdentityRolled,
  ScenarioProgress,
  ServiceLogLine,
  ServiceStatusEvent,
  Span,
  TrafficFrame,
  World,
} from '@dw/world';
import { EventBus } from '../events/event-bus.js';

export interface DeployEvents {
  /** A service's state changed (service:status). */
  status: ServiceStatusEvent;
  /** A service of a deploy reached a step (deploy:progress). */
  progress: DeployProgressEvent;
  /** A deployment's traffic window closed (traffic:frame). */
  frame: TrafficFrame;
  /** The faults in force on a world changed (faults:changed). */
  faults: FaultList;
  /** A service process wrote a line (service:log). */
  log: ServiceLogLine;
  /** A deploy of a world begins (fresh, in place or replacing what ran): a new run (runs/run-recorder.ts). */
  deployed: { worldId: string; rev: number; world: World };
  /** A world's deployment ended (stopped, or its deploy failed): its run ends. */
  stopped: { worldId: string };
  /** Sampled spans a service reported (accepted batches only). */
  spans: { worldId: string; spans: readonly Span[] };
  /** A line of a scenario played on the controller (scenario:progress). */
  scenario: ScenarioProgress;
  /** Its identities were renewed or its CA rotated (recorded in its run). */
  identity: IdentityRolled;
}

export type DeployEventBus = EventBus<DeployEvents>;

export const deployEventBus = (): DeployEventBus => new EventBus<DeployEvents>();
