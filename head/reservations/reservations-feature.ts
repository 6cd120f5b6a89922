// Advance reservations as a lifecycle feature: a job submitted to a reservation's queue must be
// one of its Authorized_Users' (the queue's acl_users in PBS) and fit in what it reserved (the
// queue's resources_max), whether submitted there or moved there by qmove. The queue itself
// refuses jobs until the reservation is confirmed.
import { ok, refuse } from '../../core/errors.js';
import type { ResourceRequest } from '../../core/job-spec-types.js';
import { ownerUser, UNAUTHORIZED } from '../../core/policy/permissions.js';
import type { JobHooks } from '../jobs/lifecycle-hooks.js';

function totals(r: ResourceRequest): { ncpus: number; mem: number; ngpus: number } {
  const sum = (f: (c: ResourceRequest['chunks'][number]) => number) =>
    r.chunks.reduce((n, c) => n + c.count * f(c), 0);
  return { ncpus: sum((c) => c.ncpus), mem: sum((c) => c.mem ?? 0), ngpus: sum((c) => c.ngpus ?? 0) };
}

export const reservationsFeature: JobHooks = {
  name: 'reservations',
  entering(store, spec) {
    const r = spec.queue === undefined ? undefined : store.reservations.ofQueue(spec.queue);
    if (!r) return ok(undefined);
    const users = r.authUsers.map(ownerUser);
    if (!users.includes(spec.user) && !users.includes('*'))
      return refuse('UNAUTHORIZED', UNAUTHORIZED.trim());
    const job = totals(spec.resources);
    const kept = totals(r.resources);
    if (job.ncpus > kept.ncpus || job.mem > kept.mem || job.ngpus > kept.ngpus)
      return refuse('EXCEEDS_LIMITS', 'Job violates queue and/or server resource limits');
    return ok(undefined);
  },
};
