// Queue limits at submission (pure): the walltime ceiling refuses, the default fills in.
// Queue limits in a scheduling pass (pure): a stopped queue starts nothing, `max_run` caps the
// running jobs of a queue and `max_run_per_user` those of each user in it; queue priority
// orders the queues' jobs before job priority does.

import { ok, type Result, refuse } from '../errors.js';
import type { ResourceRequest } from '../job-spec-types.js';
import { formatDuration } from '../pbs/duration.js';

/**
 * A job's resources under a queue's walltime rules: beyond `maxWalltime` it is refused
 * (PBS's 188); without a walltime it gets `defaultWalltime`.
 */
export function applyQueueWalltime(
  resources: ResourceRequest,
  queue: { name: string; maxWalltime?: number; defaultWalltime?: number },
): Result<ResourceRequest> {
  const asked = resources.walltime;
  if (asked === undefined && queue.defaultWalltime !== undefined) {
    const walltime = queue.defaultWalltime;
    return ok({ ...resources, walltime, list: { ...resources.list, walltime: formatDuration(walltime) } });
  }
  if (asked !== undefined && queue.maxWalltime !== undefined && asked > queue.maxWalltime) {
    return refuse(
      'EXCEEDS_LIMITS',
      `Job violates queue and/or server resource limits (walltime ${formatDuration(asked)} > ${formatDuration(queue.maxWalltime)}, the most queue ${queue.name} allows)`,
    );
  }
  return ok(resources);
}

export interface SchedQueue {
  name: string;
  priority: number;
  started: boolean;
  maxRun?: number;
  maxRunPerUser?: number;
  /** jobs of the queue running now */
  running: number;
  /** user → jobs of that user running in the queue now */
  runningByUser: Record<string, number>;
}

export class QueueLimits {
  private readonly queues = new Map<string, SchedQueue>();

  constructor(queues: SchedQueue[]) {
    for (const q of queues) this.queues.set(q.name, { ...q, runningByUser: { ...q.runningByUser } });
  }

  priority(queue: string | undefined): number {
    return (queue && this.queues.get(queue)?.priority) || 0;
  }

  /** Why a job of `queue` owned by `user` may not start now, if a limit says so. */
  blocked(queue: string | undefined, user: string | undefined): string | undefined {
    const q = queue === undefined ? undefined : this.queues.get(queue);
    if (!q) return undefined;
    if (!q.started) return `Queue ${q.name} is not started`;
    if (q.maxRun !== undefined && q.running >= q.maxRun) return `Queue ${q.name} job limit has been reached`;
    const mine = q.runningByUser[user ?? ''] ?? 0;
    if (q.maxRunPerUser !== undefined && mine >= q.maxRunPerUser)
      return `User ${user} has reached queue ${q.name} running job limit`;
    return undefined;
  }

  /** A job of `queue` owned by `user` was placed in this pass. */
  started(queue: string | undefined, user: string | undefined): void {
    const q = queue === undefined ? undefined : this.queues.get(queue);
    if (!q) return;
    q.running += 1;
    q.runningByUser[user ?? ''] = (q.runningByUser[user ?? ''] ?? 0) + 1;
  }
}
