// Fresh ids for things added on the canvas: DNS labels for services (client-1, service-2), l1, l2... for links.

/** `prefix-N` with N one more than the largest in use, so a deleted id is not reused while it may still run. */
function nextNumbered(prefix: string, taken: Iterable<string>): string {
  const pattern = new RegExp(`^${prefix}(\\d+)$`);
  let max = 0;
  for (const id of taken) {
    const match = pattern.exec(id);
    if (match) max = Math.max(max, Number(match[1]));
  }
  return `${prefix}${max + 1}`;
}

export function nextServiceId(kind: string, taken: Iterable<string>): string {
  return nextNumbered(`${kind}-`, taken);
}

export function nextLinkId(taken: Iterable<string>): string {
  return nextNumbered('l', taken);
}
