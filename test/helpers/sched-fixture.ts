// A real store with one up 8-CPU node and a dispatcher, for database tests of scheduling rules.
import pino from 'pino';
import type { Result } from '../../core/errors.js';
import type { JobSpec } from '../../core/job-spec-types.js';
import { submitJob } from '../../head/jobs/submit-job.js';
import { Cluster } from '../../head/nodes/cluster.js';
import { Dispatcher } from '../../head/scheduling/dispatcher.js';
import { addNode, openTempStore } from './db-fixture.js';
import { makeSpec } from './records.js';

export function schedulingFixture() {
  const temp = openTempStore();
  const store = temp.store;
  addNode(store, { name: 'n1', ncpus: 8 });
  const cluster = new Cluster(store);
  cluster.markUp('n1');
  const dispatcher = new Dispatcher(store, cluster, pino({ level: 'silent' }));
  const submit = (spec: Partial<JobSpec> = {}): Result<{ id: string; seq: number }> =>
    submitJob({ store, server: 'svr', nodes: () => cluster.schedNodes() }, makeSpec(spec));
  return {
    temp,
    store,
    cluster,
    dispatcher,
    submit,
    /** submit that must succeed; its seq */
    job(spec: Partial<JobSpec> = {}): number {
      const r = submit(spec);
      if (!r.ok) throw new Error(r.error.message);
      return r.value.seq;
    },
    row: (seq: number) => store.jobs.get(seq)!.row,
    dispose(): void {
      dispatcher.stop();
      temp.dispose();
    },
  };
}
