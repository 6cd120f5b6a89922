// The head's epoch (generation number) for fencing at the agents (docs/architecture.md, "Fencing
// by epoch"): every hello carries it, and an agent that has seen a higher one refuses the link.
// A takeover raises it; until a standby exists it is 0, which agents take as "no epoch".
import type { Store } from '../db/store.js';

/** What the node links need to fence by epoch (head/nodes/link-supervisor.ts). */
export interface EpochFencing {
  /** the head's current epoch, read at every hello (default: `storedEpoch`) */
  epoch?: () => number;
  /** an agent refused a hello: it has seen `epoch`, above this head's (default: a warning) */
  onStaleEpoch?: (epoch: number, node: string) => void;
}

/** The epoch kept with the state (`meta` key `epoch`); 0 when none was ever set. */
export function storedEpoch(store: Store): number {
  const epoch = Number(store.meta.get('epoch') ?? 0);
  return Number.isSafeInteger(epoch) && epoch > 0 ? epoch : 0;
}
