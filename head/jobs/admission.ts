// What the server's attributes say about a submission before it is stored (inside the submit
// transaction, so that the counts include what was submitted just before): root jobs need
// acl_roots, max_queued caps unfinished jobs, max_script_size caps the stored script.
import { type Result, refuse } from '../../core/errors.js';
import type { JobSpec } from '../../core/job-spec-types.js';
import { formatSize } from '../../core/pbs/size.js';
import { ownerUser } from '../../core/policy/permissions.js';
import { aclMatches, maxQueuedRefusal } from '../../core/policy/server-settings.js';
import type { Store } from '../db/store.js';

/**
 * Whether `owner` (`user@host`; `uid` when known) may store `spec`, which adds `jobs` unfinished
 * jobs (an array's subjobs). A recurring template counts when it submits, not when it is stored.
 */
export function admit(store: Store, owner: string, spec: JobSpec, jobs: number, uid?: number): Result<void> {
  const settings = store.meta.settings();
  const user = ownerUser(owner);
  const host = owner.slice(user.length + 1);
  if ((uid === 0 || user === 'root') && !aclMatches(settings.aclRoots, user, host))
    return refuse('BAD_USER', 'Bad UID for job execution');
  const bytes = spec.script === undefined ? 0 : Buffer.byteLength(spec.script);
  if (bytes > settings.maxScriptSize)
    return refuse(
      'EXCEEDS_LIMITS',
      `Job script too large: ${(bytes / 2 ** 20).toFixed(1)} MiB, more than max_script_size (${formatSize(settings.maxScriptSize)})`,
    );
  const limits = settings.maxQueued;
  const limited =
    limits.all !== undefined || limits.generic !== undefined || limits.users[user] !== undefined;
  if (!limited || spec.cron !== undefined) return { ok: true, value: undefined };
  const serverTotal = limits.all === undefined ? 0 : store.jobs.unfinishedCount();
  return maxQueuedRefusal(limits, user, jobs, serverTotal, store.jobs.unfinishedCount(user));
}
