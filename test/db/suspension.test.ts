// suspendJob and resumeJob on a real store with two 1-CPU nodes: a suspended job's CPU is free for
// another job, its resume waits for that one and the dispatcher resumes it; a reconnected agent is
// told to stop or continue what it does not hold as the head's record does.
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { HeadMessage } from '../../core/protocol/agent-protocol.js';
import { AgentMessages } from '../../head/agent-link/agent-messages.js';
import { Delivery } from '../../head/agent-link/delivery/workers.js';
import type { StoredJob } from '../../head/db/jobs-table.js';
import type { Store } from '../../head/db/store.js';
import { submitJob } from '../../head/jobs/submit-job.js';
import { resumeJob, suspendJob } from '../../head/jobs/suspension.js';
import { transition } from '../../head/jobs/transitions.js';
import { Cluster } from '../../head/nodes/cluster.js';
import { Dispatcher } from '../../head/scheduling/dispatcher.js';
import { addNode, openTempStore, type TempStore } from '../helpers/db-fixture.js';
import { makeSpec } from '../helpers/records.js';
import { resources } from '../helpers/requests.js';

const log = pino({ level: 'silent' });
const info = { hostname: 'a', ncpus: 1, mem: 1 << 30, ngpus: 0, agentPid: 1, version: 2 };
let temp: TempStore;
let store: Store;
let sent: [string, HeadMessage][];
let nodes: Cluster;
let dispatcher: Dispatcher;

function submit(): void {
  const spec = makeSpec({ resources: resources('ncpus=1'), outputPath: '/dev/null', errorPath: '/dev/null' });
  const r = submitJob({ store, server: 'svr', nodes: () => nodes.schedNodes() }, spec);
  if (!r.ok) throw new Error(r.error.message);
}

const jobOn = (node: string): StoredJob => store.jobs.list(true).find((j) => j.row.node === node)!;
const fresh = (job: StoredJob) => store.jobs.get(job.seq)!;
const ctx = () => ({ store, cluster: nodes });

beforeEach(() => {
  temp = openTempStore();
  store = temp.store;
  addNode(store, { name: 'a', ncpus: 1 });
  addNode(store, { name: 'b', ncpus: 1 });
  sent = [];
  nodes = new Cluster(store);
  nodes.send = (node, m) => {
    sent.push([node, m]);
    return true;
  };
  nodes.markUp('a');
  nodes.markUp('b');
  dispatcher = new Dispatcher(store, nodes, log);
  submit();
  submit();
  dispatcher.tick();
  sent = [];
});
afterEach(() => temp.dispose());

describe('suspendJob and resumeJob', () => {
  it('frees a suspended job’s CPU for another job; its resume waits for it, then the dispatcher resumes it', () => {
    const a = jobOn('a');
    const r = suspendJob(ctx(), a.id, { by: 'root@h' });
    expect(r.ok).toBe(true);
    expect(sent).toEqual([['a', { t: 'suspend', jobId: a.id, attempt: 1 }]]);
    expect(fresh(a).row).toMatchObject({ state: 'R', substate: 43 });
    expect(nodes.schedNodes().find((n) => n.name === 'a')).toMatchObject({ usedNcpus: 0, jobCount: 0 });
    expect(nodes.records().find((n) => n.name === 'a')).toMatchObject({ state: 'free', jobs: [] });

    submit();
    dispatcher.tick();
    const third = store.jobs
      .list(true)
      .find((j) => j.row.state === 'R' && j.row.node === 'a' && j.seq !== a.seq)!;
    expect(third).toBeDefined();
    sent = [];
    expect(resumeJob(ctx(), a.id, 'root@h')).toEqual({ ok: true, value: 'waiting' });
    expect(fresh(a).row.substate).toBe(45);
    dispatcher.tick();
    expect(sent).toEqual([]);

    const usage = { cput: 0, mem: 0, vmem: 0, walltime: 1, cpupercent: 0, ncpus: 1 };
    transition(store, third.seq, { type: 'exited', attempt: 1, status: 0, usage });
    dispatcher.tick();
    expect(sent).toEqual([['a', { t: 'resume', jobId: a.id, attempt: 1 }]]);
    expect(fresh(a).row).toMatchObject({ state: 'R', substate: 42 });
    expect(nodes.schedNodes().find((n) => n.name === 'a')).toMatchObject({ usedNcpus: 1 });
  });

  it('resumes at once when the CPU is still free; refuses what does not run or is not suspended', () => {
    const a = jobOn('a');
    expect(resumeJob(ctx(), a.id, 'root@h')).toMatchObject({ ok: false, error: { code: 'BAD_STATE' } });
    suspendJob(ctx(), a.id, { by: 'root@h' });
    expect(suspendJob(ctx(), a.id, { by: 'root@h' })).toMatchObject({
      ok: false,
      error: { code: 'BAD_STATE' },
    });
    sent = [];
    expect(resumeJob(ctx(), a.id, 'root@h')).toEqual({ ok: true, value: 'resumed' });
    expect(sent).toEqual([['a', { t: 'resume', jobId: a.id, attempt: 1 }]]);
    nodes.markDown('b', 'connection lost');
    const b = jobOn('b');
    expect(suspendJob(ctx(), b.id, { by: 'root@h' })).toMatchObject({
      ok: false,
      error: { code: 'NODE_NOT_ANSWERING', message: 'Server could not connect to MOM' },
    });
    // nor is a resume asked of a node that cannot hear it: the job stays suspended
    suspendJob(ctx(), a.id, { by: 'root@h' });
    nodes.markDown('a', 'connection lost');
    sent = [];
    expect(resumeJob(ctx(), a.id, 'root@h')).toMatchObject({
      ok: false,
      error: { code: 'NODE_NOT_ANSWERING', message: 'Server could not connect to MOM' },
    });
    expect(sent).toEqual([]);
    expect(fresh(a).row.suspendedAt).toBeDefined();
  });

  it('the scheduler’s suspension (substate 45) is resumed by the dispatcher once its CPU is free', () => {
    const a = jobOn('a');
    suspendJob(ctx(), a.id, { by: 'Scheduler', reason: 'preempted', scheduler: true });
    expect(fresh(a).row.substate).toBe(45);
    sent = [];
    dispatcher.tick();
    expect(sent).toEqual([['a', { t: 'resume', jobId: a.id, attempt: 1 }]]);
  });

  it('a reconnected agent is told to stop what the head holds suspended, and to continue what it does not', () => {
    const messages = new AgentMessages({
      store,
      cluster: nodes,
      log,
      poke: () => {},
      undeliveredDir: temp.dir,
      deliver: new Delivery().deliver,
    });
    const a = jobOn('a');
    const known = [{ jobId: a.id, attempt: 1, running: true }];
    suspendJob(ctx(), a.id, { by: 'root@h' });
    sent = [];
    messages.handleAll('a', [{ t: 'welcome', node: info, jobs: known, suspended: [] }]);
    expect(sent).toContainEqual(['a', { t: 'suspend', jobId: a.id, attempt: 1 }]);
    sent = [];
    messages.handleAll('a', [{ t: 'welcome', node: info, jobs: known, suspended: [a.id] }]);
    expect(sent.filter(([, m]) => m.t === 'suspend' || m.t === 'resume')).toEqual([]);
    resumeJob(ctx(), a.id, 'root@h');
    sent = [];
    messages.handleAll('a', [{ t: 'welcome', node: info, jobs: known, suspended: [a.id] }]);
    expect(sent).toContainEqual(['a', { t: 'resume', jobId: a.id, attempt: 1 }]);
  });
});
