// Links made from a compose file's dependencies, set right for the kinds their ends became.
//
// Compose says who depends on a broker, not who publishes to it and who consumes from it. A link made from a
// dependency points at the broker, which makes its service a producer; a service whose name says it consumes (a
// worker, a consumer...: the kind's composeConsumers) is what the queue delivers to, so its link goes the other
// way. And a node whose kind calls no one (a store) or may not be called (a gateway) loses the links its kind
// does not allow. Each change is said in a warning.
import { article, KIND_LIST, kindOf, type Link, type WorldService } from '@dw/world';

interface Entry {
  name: string;
  id: string;
  image: string;
  /** Exported by us: its spawn config already says where its links go. */
  ours: boolean;
}

export function turnConsumerLinks(
  links: Link[],
  entries: readonly Entry[],
  warn: (pointer: string, message: string) => void,
  pointerOf: (name: string) => string,
): void {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const pairs = new Set(links.map((l) => `${l.from}\n${l.to}`));
  for (const link of links) {
    const broker = byId.get(link.to);
    const from = byId.get(link.from);
    if (!broker || !from || broker.ours || from.ours) continue;
    const kind = KIND_LIST.find((k) => k.composeImages?.test(broker.image));
    if (!kind?.composeConsumers?.test(from.name)) continue;
    // a link the other way already there: this one goes
    if (pairs.has(`${link.to}\n${link.from}`)) continue;
    pairs.delete(`${link.from}\n${link.to}`);
    pairs.add(`${link.to}\n${link.from}`);
    link.from = broker.id;
    link.to = from.id;
    warn(
      pointerOf(from.name),
      `"${from.name}" depends on the broker "${broker.name}" and its name says it consumes: the ${kind.kind} delivers to it (link ${broker.id} -> ${from.id}); the other services that depend on it publish to it`,
    );
  }
}

/**
 * The indices of the links the kinds of their ends allow; the others (from a store, to a gateway), made from
 * dependencies, are left out, each with a warning at `sourceOf(index)` (where in the compose file it came from).
 * A link an exported world's own spawn config says (`ours`) is kept as it is: the world's validation judges it.
 */
export function dropLinksKindsRefuse(
  links: readonly Link[],
  nodes: readonly WorldService[],
  warn: (pointer: string, message: string) => void,
  sourceOf: (index: number) => string,
  ours: (link: Link) => boolean,
): number[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const kept: number[] = [];
  links.forEach((link, index) => {
    if (ours(link)) {
      kept.push(index);
      return;
    }
    const from = byId.get(link.from);
    const to = byId.get(link.to);
    const callable = to ? kindOf(to).facts.callable : true;
    const noLinks = from ? kindOf(from).noLinksFrom?.(from.config) : null;
    const why =
      callable !== true && to
        ? `"${to.id}" is ${article(to.kind)}: ${callable.why}`
        : noLinks && from
          ? `"${from.id}" is ${noLinks}`
          : null;
    if (why) warn(sourceOf(index), `no link from "${link.from}" to "${link.to}": ${why}`);
    else kept.push(index);
  });
  return kept;
}
