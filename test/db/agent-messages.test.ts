// The head's handling of agent messages on a real store: facts are committed before they are
// acknowledged, and one node reconnecting does not disturb another node's pending output.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AgentMessage, HeadMessage } from '../../core/protocol/agent-protocol.js';
import { type AgentContext, AgentMessages } from '../../head/agent-link/agent-messages.js';
import { Checkpoints } from '../../head/agent-link/checkpoint-store.js';
import { Delivery } from '../../head/agent-link/delivery/workers.js';
import { GroupCommit } from '../../head/db/group-commit.js';
import type { Store } from '../../head/db/store.js';
import { submitJob } from '../../head/jobs/submit-job.js';
import { Cluster } from '../../head/nodes/cluster.js';
import { Dispatcher } from '../../head/scheduling/dispatcher.js';
import { addNode, openTempStore, type TempStore } from '../helpers/db-fixture.js';
import { makeSpec } from '../helpers/records.js';
import { resources } from '../helpers/requests.js';

const log = pino({ level: 'silent' });
const delivery = new Delivery();
const deliver = delivery.deliver.bind(delivery);
/** Output is written off the transaction: let its promise chain and the commit after it run. */
const written = () => new Promise((resolve) => setImmediate(resolve));
let temp: TempStore;
let store: Store;
let sent: [string, HeadMessage][];
let messages: AgentMessages;
const usage = { cput: 0, mem: 0, vmem: 0, walltime: 1, cpupercent: 0, ncpus: 1 };
const info = (name: string) => ({
  hostname: name,
  ncpus: 1,
  mem: 1 << 30,
  ngpus: 0,
  agentPid: 1,
  version: 1,
});

/** Both nodes up; what the head sends is recorded in `sent`. */
function cluster(): Cluster {
  const c = new Cluster(store);
  c.send = (node, m) => {
    sent.push([node, m]);
    return true;
  };
  c.markUp('a');
  c.markUp('b');
  return c;
}

beforeEach(() => {
  temp = openTempStore();
  store = temp.store;
  addNode(store, { name: 'a', ncpus: 1 });
  addNode(store, { name: 'b', ncpus: 1 });
  sent = [];
  const nodes = cluster();
  const dispatcher = new Dispatcher(store, nodes, log);
  messages = new AgentMessages({
    store,
    cluster: nodes,
    log,
    poke: () => {},
    undeliveredDir: temp.dir,
    deliver,
  });
  for (let i = 0; i < 2; i++) {
    const r = submitJob(
      { store, server: 'svr', nodes: () => nodes.schedNodes() },
      makeSpec({ resources: resources('ncpus=1'), outputPath: '/dev/null', errorPath: '/dev/null' }),
    );
    if (!r.ok) throw new Error(r.error.message);
  }
  dispatcher.tick();
});
afterEach(() => temp.dispose());

/** Another handler of agent messages on the same store, with a group commit or a checkpoint store. */
const handler = (extra: Partial<AgentContext>) =>
  new AgentMessages({
    store,
    cluster: cluster(),
    log,
    poke: () => {},
    undeliveredDir: temp.dir,
    deliver,
    ...extra,
  });

const jobOn = (node: string) => store.jobs.list(true).find((j) => j.row.node === node)!;
const exited = (jobId: string, seq: number): AgentMessage => ({
  t: 'fact',
  entry: { seq, fact: { kind: 'exited', jobId, attempt: 1, status: 0, usage, at: Date.now() } },
});

describe('agent messages', () => {
  it('acknowledges an exit only after the job is finished, and a welcome from another node keeps the pending output', async () => {
    const a = jobOn('a');
    expect(jobOn('b')).toBeDefined();
    messages.handleAll('a', [exited(a.id, 7)]);
    expect(store.jobs.get(a.seq)!.row.state).toBe('E');
    expect(sent).toContainEqual(['a', { t: 'fetch', jobId: a.id, attempt: 1 }]);
    expect(sent.some(([, m]) => m.t === 'ack')).toBe(false);
    messages.handleAll('b', [
      { t: 'welcome', node: info('b'), jobs: [{ jobId: jobOn('b').id, attempt: 1, running: true }] },
    ]);
    messages.handleAll('a', [{ t: 'output', jobId: a.id, attempt: 1, files: [] }]);
    expect(sent.some(([, m]) => m.t === 'ack')).toBe(false);
    await written();
    expect(store.jobs.get(a.seq)!.row.state).toBe('F');
    expect(sent).toContainEqual(['a', { t: 'ack', seqs: [7] }]);
    expect(sent).toContainEqual(['a', { t: 'cleanup', jobId: a.id, attempt: 1 }]);
  });

  it('after its own reconnect a node replays the exit and the job still finishes once', async () => {
    const a = jobOn('a');
    messages.handleAll('a', [exited(a.id, 3)]);
    messages.handleAll('a', [
      { t: 'welcome', node: info('a'), jobs: [{ jobId: a.id, attempt: 1, running: false }] },
      exited(a.id, 3),
    ]);
    messages.handleAll('a', [{ t: 'output', jobId: a.id, attempt: 1, files: [] }]);
    messages.handleAll('a', [{ t: 'output', jobId: a.id, attempt: 1, files: [] }]);
    await written();
    expect(store.jobs.get(a.seq)!.row.state).toBe('F');
    expect(store.events.forJob(a.seq).filter((e) => e.type === 'exited')).toHaveLength(1);
    expect(store.events.forJob(a.seq).filter((e) => e.type === 'finished')).toHaveLength(1);
  });

  it('ignores a fact about a stale attempt: it is acknowledged and changes nothing', () => {
    const a = jobOn('a');
    messages.handleAll('a', [
      {
        t: 'fact',
        entry: {
          seq: 9,
          fact: { kind: 'exited', jobId: a.id, attempt: 0, status: 1, usage, at: Date.now() },
        },
      },
    ]);
    expect(store.jobs.get(a.seq)!.row.state).toBe('R');
    expect(sent).toContainEqual(['a', { t: 'ack', seqs: [9] }]);
  });

  it('folds the acknowledgements of one batch into one message', () => {
    const a = jobOn('a');
    const startedFact = (seq: number): AgentMessage => ({
      t: 'fact',
      entry: { seq, fact: { kind: 'started', jobId: a.id, attempt: 1, sessionId: 5, at: Date.now() } },
    });
    sent = [];
    messages.handleAll('a', [startedFact(3), startedFact(4)]);
    expect(sent.filter(([, m]) => m.t === 'ack')).toEqual([['a', { t: 'ack', seqs: [3, 4] }]]);
  });

  it('with a group commit, sends nothing until the group has committed', async () => {
    const group = new GroupCommit(store);
    const grouped = handler({ group });
    const a = jobOn('a');
    sent = [];
    grouped.handleAll('a', [exited(a.id, 7)]);
    expect(sent).toEqual([]);
    expect(store.jobs.get(a.seq)!.row.state).toBe('R');
    await group.run(() => {}); // the same group: settles after its commit
    expect(store.jobs.get(a.seq)!.row.state).toBe('E');
    expect(sent).toEqual([['a', { t: 'fetch', jobId: a.id, attempt: 1 }]]);
  });
});

describe('checkpoints from agents', () => {
  const file = (text: string) => ({ path: 'state', mode: 0o600, data: Buffer.from(text).toString('base64') });
  const arrival = (jobId: string, text: string): AgentMessage => ({
    t: 'checkpoint',
    jobId,
    attempt: 1,
    files: [file(text)],
  });

  it('stores the files before the transaction that records them; the older checkpoint goes only after the commit', async () => {
    const checkpoints = new Checkpoints(join(temp.dir, 'checkpoints'));
    const group = new GroupCommit(store);
    const grouped = handler({ group, checkpoints });
    const a = jobOn('a');
    grouped.handleAll('a', [arrival(a.id, 'one')]);
    await group.run(() => {});
    expect(store.jobs.get(a.seq)!.row.checkpoint?.count).toBe(1);
    sent = [];
    grouped.handleAll('a', [arrival(a.id, 'two')]);
    // not committed yet (a head that dies now): the record still names checkpoint 1, which is whole
    expect(store.jobs.get(a.seq)!.row.checkpoint?.count).toBe(1);
    expect(checkpoints.load(a.id, 1)?.map((f) => Buffer.from(f.data, 'base64').toString())).toEqual(['one']);
    expect(checkpoints.load(a.id, 2)).toBeDefined();
    expect(sent).toEqual([]);
    await group.run(() => {});
    expect(store.jobs.get(a.seq)!.row.checkpoint?.count).toBe(2);
    expect(checkpoints.load(a.id, 1)).toBeUndefined();
    expect(checkpoints.load(a.id, 2)?.map((f) => Buffer.from(f.data, 'base64').toString())).toEqual(['two']);
    expect(sent).toEqual([['a', { t: 'checkpoint-saved', jobId: a.id, attempt: 1, count: 2 }]]);
  });

  it('refuses a checkpoint of an attempt that is not running, storing nothing', () => {
    const withStore = handler({ checkpoints: new Checkpoints(join(temp.dir, 'checkpoints')) });
    const a = jobOn('a');
    sent = [];
    withStore.handleAll('a', [{ ...arrival(a.id, 'x'), attempt: 2 } as AgentMessage]);
    expect(sent).toEqual([
      [
        'a',
        { t: 'checkpoint-refused', jobId: a.id, attempt: 2, reason: `attempt 2 of ${a.id} is not running` },
      ],
    ]);
    expect(existsSync(join(temp.dir, 'checkpoints', a.id))).toBe(false);
  });
});
