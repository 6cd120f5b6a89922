// A destination as qselect -q and qmove take it: `queue`, `@server` or `queue@server`, the queue
// name at most 15 characters (PBS_MAXQUEUENAME; head/jobs/queue-admin.ts names queues so).
import { parseDestination } from './qsub-options.js';

export const MAX_QUEUE_NAME = 15;

/** The queue and server a destination names, or undefined when it is illegally formed. */
export function destinationOf(value: string): { queue?: string; server?: string } | undefined {
  const d = parseDestination(value);
  if (!d || (d.queue !== undefined && d.queue.length > MAX_QUEUE_NAME)) return undefined;
  return d;
}
