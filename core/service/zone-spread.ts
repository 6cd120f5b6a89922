// Spreading a service's instances over zones (pure): a waiting instance avoids the nodes of every
// zone that already holds more of the service's instances than the least-loaded zone. A zone is
// the `zone` label of the nodes that take jobs now (a node without one is in zone ''); instances
// waiting in the same pass are counted as if each went to the first least-loaded zone (by name).

/**
 * For each of `waiting` instances, in order, the nodes it avoids: `zones` maps each node that
 * takes jobs to its zone; `running` holds the zone of each running instance.
 */
export function zoneAvoid(
  zones: ReadonlyMap<string, string>,
  running: string[],
  waiting: number,
): Set<string>[] {
  const counts = new Map<string, number>();
  for (const z of [...zones.values()].sort()) counts.set(z, 0);
  for (const z of running) if (counts.has(z)) counts.set(z, counts.get(z)! + 1);
  const out: Set<string>[] = [];
  for (let k = 0; k < waiting; k++) {
    if (counts.size < 2) {
      out.push(new Set());
      continue;
    }
    const least = Math.min(...counts.values());
    const allowed = [...counts].filter(([, n]) => n === least).map(([z]) => z);
    out.push(new Set([...zones].filter(([, z]) => !allowed.includes(z)).map(([node]) => node)));
    counts.set(allowed[0]!, least + 1);
  }
  return out;
}
