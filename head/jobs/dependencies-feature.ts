// Dependencies as a lifecycle feature: a submission's -W depend= list is checked and recorded,
// and the jobs that wait for a job are settled whenever it starts or ends.

import { ok } from '../../core/errors.js';
import type { JobEvent } from '../../core/lifecycle/job-events.js';
import { formatDependList, parseDependList } from '../../core/pbs/depend-list.js';
import { checkDependencies, recordDependencies, settleDependents } from './dependencies.js';
import type { JobHooks } from './lifecycle-hooks.js';

/** Events after which the jobs that depend on this one may be met (or never be). */
const SETTLES: readonly JobEvent['type'][] = [
  'run',
  'finished',
  'deleted',
  'failed',
  'array_begun',
  'array_ended',
];

export const dependenciesFeature: JobHooks = {
  name: 'dependencies',
  plan(store, spec, server) {
    if (spec.depend === undefined) return ok(undefined);
    const list = parseDependList(spec.depend, server);
    if (!list.ok) return list;
    const checked = checkDependencies(store, list.value);
    if (!checked.ok) return checked;
    return ok({
      stored: { depend: formatDependList(spec.depend, server) },
      record: (job, at) => recordDependencies(store, job.seq, list.value, at),
    });
  },
  transitioned(store, job, event, row) {
    if (SETTLES.includes(event.type)) settleDependents(store, job.seq, row.state === 'F', event.at);
  },
};
