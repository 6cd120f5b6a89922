// A head that is no longer primary changes nothing: the head's parts (head/wiring.ts) in this
// process, on a temp database, with their local node's real agent daemon (dist/cli/drover.js). The
// head, at epoch 1, runs a job; a newer head (the test, epoch 2) takes the agent's connection, as a
// new primary does while the old one is paused. The old head's reconnect hello is refused: it gets
// onStaleEpoch(2, node), says hello again only slowly, and its fencer leaves the node and the job
// alone past the node timeout. Started again at epoch 1, it is refused before it marks anything.
import { mkdirSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentMessage } from '../../core/protocol/agent-protocol.js';
import type { StoredNode } from '../../head/db/nodes-table.js';
import type { Store } from '../../head/db/store.js';
import { submitJob } from '../../head/jobs/submit-job.js';
import { type Head, wireHead } from '../../head/wiring.js';
import { agentPaths } from '../../platform/agent-launcher.js';
import { HeadEnd, journalLines, startAgentDaemon, stopAgentDaemon } from '../helpers/agent-daemon.js';
import { openTempStore, type TempStore } from '../helpers/db-fixture.js';
import { ROOT, waitUntil } from '../helpers/head.js';
import { makeSpec } from '../helpers/records.js';

const NODE = 'epochnode';
/** job ids of their own (their TMPDIRs are named after them) */
const SERVER = `epoch${process.pid}`;
const NODE_TIMEOUT_S = 1;
let temp: TempStore;
let store: Store;
let head: Head;
const epoch = 1;
const stales: [number, string][] = [];
let node: StoredNode;
let newPrimary: HeadEnd | undefined;
let seq: number;

const row = () => store.jobs.get(seq)!.row;
const agentLog = () => readFileSync(agentPaths(node.stateDir).log, 'utf8');
const refusalsLogged = () =>
  agentLog()
    .split('\n')
    .filter((l) => l.includes('stale epoch; refused')).length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  temp = openTempStore();
  store = temp.store;
  const home = join(temp.dir, 'home');
  const stateDir = join(home, 'local-node');
  // started here with its own TMPDIR root; the head's link finds it running
  await startAgentDaemon(stateDir);
  store.nodes.upsert({
    name: NODE,
    kind: 'local',
    host: NODE,
    port: 0,
    stateDir,
    fixed: { ncpus: 2 },
    labels: {},
    lastStateChange: Date.now(),
  });
  node = store.nodes.get(NODE)!;
  const opts = {
    home,
    local: true,
    killDelay: 1,
    usageInterval: 60,
    heartbeat: 0.2,
    nodeTimeout: NODE_TIMEOUT_S,
  };
  const log = pino({ level: 'silent' });
  head = wireHead(store, { home, root: ROOT, server: SERVER }, opts, log, {
    epoch: () => epoch,
    onStaleEpoch: (e, n) => stales.push([e, n]),
  });
  head.links.start(node);
  expect(await head.links.whenStarted(NODE, 20_000)).toBeUndefined();
});

afterAll(async () => {
  head?.links.stopAll();
  head?.fencer.stop();
  head?.dispatcher.stop();
  newPrimary?.close();
  const pid = Number(readFileSync(agentPaths(node.stateDir).pid, 'utf8').trim());
  if (pid > 0) await stopAgentDaemon(pid);
  temp?.dispose();
});

describe('a head whose epoch is stale', () => {
  it('is refused after a newer head took its node: onStaleEpoch(2), no fencing, no requeue', async () => {
    const work = join(temp.dir, 'work');
    mkdirSync(work);
    const spec = makeSpec({
      user: userInfo().username,
      workdir: work,
      script: 'sleep 60\n',
      outputPath: '/dev/null',
      errorPath: '/dev/null',
    });
    const submitted = submitJob({ store, server: SERVER, nodes: () => head.cluster.schedNodes() }, spec);
    if (!submitted.ok) throw new Error(submitted.error.message);
    seq = submitted.value.seq;
    head.dispatcher.tick();
    await waitUntil(
      () => (store.jobs.get(seq)?.row.sessionId ? true : undefined),
      20_000,
      'the job to start',
    );
    const started = journalLines(node.stateDir).find(
      (l) => (l.fact as { kind?: string })?.kind === 'started',
    );
    expect(started?.fact).toMatchObject({ epoch: 1 });

    // the new primary (epoch 2) takes the agent: the old head's connection is closed by the agent
    newPrimary = await HeadEnd.open(node.stateDir);
    newPrimary.hello(2);
    await newPrimary.next((m: AgentMessage) => (m.t === 'welcome' ? m : undefined), 'welcome to epoch 2');
    await waitUntil(() => (stales.length > 0 ? true : undefined), 10_000, 'onStaleEpoch');
    expect(stales).toEqual([[2, NODE]]);
    expect(head.cluster.refusedFor(NODE)).toBe(2);

    // well past the node timeout, the old head's fencer has left everything as it was
    for (let i = 0; i < 6; i++) {
      await sleep(500);
      head.fencer.check();
    }
    const events = store.events.forJob(seq).map((e) => e.type);
    expect({ state: row().state, events }).toEqual({ state: 'R', events: ['queued', 'run', 'started'] });
    expect(row().attempt).toBe(1);
    expect(store.fences.forNode(NODE)).toEqual([]);
    // and it did not hammer the agent: one refused hello in those 3 s
    expect(refusalsLogged()).toBe(1);
    // the job runs on under the new primary
    newPrimary.send({ t: 'ping', n: 1 });
    await newPrimary.next((m: AgentMessage) => (m.t === 'pong' ? m : undefined), 'pong');
    expect(newPrimary.received.some((m) => m.t === 'welcome' && m.jobs.some((j) => j.running))).toBe(true);
  });

  it('started again at epoch 1, is refused before it marks the node down', async () => {
    head.links.stop(NODE);
    head.links.start(node);
    expect(await head.links.whenStarted(NODE, 10_000)).toMatch(/has seen head epoch 2, above this head's 1/);
    expect(stales).toEqual([
      [2, NODE],
      [2, NODE],
    ]);
    expect(head.cluster.downReason(NODE)).toBe('connecting');
    head.fencer.check();
    expect(row().state).toBe('R');
    expect(store.fences.forNode(NODE)).toEqual([]);
  });
});
