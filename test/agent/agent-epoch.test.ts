// Fencing by epoch at a real agent daemon (dist/cli/drover.js agent) over its Unix socket, the test
// playing three heads: hellos with epochs 0, 2 and 1. The highest epoch is kept in `head-epoch`
// across a SIGKILL and a restart; a stale hello is answered `stale-epoch` and closed while the
// current connection goes on; the journal's `started` facts name the epoch of their run.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentMessage, RunRequest } from '../../core/protocol/agent-protocol.js';
import { HeadEnd, journalLines, startAgentDaemon, stopAgentDaemon } from '../helpers/agent-daemon.js';

let stateDir: string;
let pid: number;
const ends: HeadEnd[] = [];

async function connect(): Promise<HeadEnd> {
  const end = await HeadEnd.open(stateDir);
  ends.push(end);
  return end;
}

const welcomed = (m: AgentMessage) => (m.t === 'welcome' ? m : undefined);
const pong = (n: number) => (m: AgentMessage) => (m.t === 'pong' && m.n === n ? m : undefined);
const startedFact = (jobId: string) => (m: AgentMessage) =>
  m.t === 'fact' && m.entry.fact.kind === 'started' && m.entry.fact.jobId === jobId ? m.entry : undefined;

/** A short job of the test's own user. */
function job(jobId: string): RunRequest {
  return {
    jobId,
    seq: Number.parseInt(jobId, 10),
    attempt: 1,
    user: userInfo().username,
    executable: '/bin/sh',
    argv: ['-c', 'sleep 0.2'],
    umask: 0o077,
    env: [['PBS_JOBID', jobId]],
    nodefile: ['n1'],
    ncpus: 1,
    gpus: [],
    join: 'n',
  };
}

/** The journal's `started` facts, by job id. */
function startedInJournal(): Map<string, Record<string, unknown>> {
  const facts = journalLines(stateDir).flatMap((l) => (l.fact ? [l.fact as Record<string, unknown>] : []));
  return new Map(facts.filter((f) => f.kind === 'started').map((f) => [f.jobId as string, f]));
}

beforeAll(async () => {
  stateDir = mkdtempSync(join(tmpdir(), 'drover-epoch-agent-'));
  pid = await startAgentDaemon(stateDir);
});

afterAll(async () => {
  for (const end of ends) end.close();
  if (pid) await stopAgentDaemon(pid);
  rmSync(stateDir, { recursive: true, force: true });
});

describe('fencing by epoch at the agent', () => {
  it('adopts hellos of epochs 0 then 2, refuses 1 while the epoch-2 head goes on, and journals the epoch of each run', async () => {
    const h0 = await connect();
    h0.hello(); // a head without a standby: no epoch
    await h0.next(welcomed, 'welcome to the epoch-0 head');
    h0.send({ t: 'run', job: job('1.s') });
    const first = await h0.next(startedFact('1.s'), 'the started fact of the epoch-0 run');
    expect(first.fact).not.toHaveProperty('epoch');

    const h2 = await connect();
    h2.hello(2);
    await h2.next(welcomed, 'welcome to the epoch-2 head');
    await h0.untilClosed(); // the newer head's connection replaced it
    expect(readFileSync(join(stateDir, 'head-epoch'), 'utf8')).toBe('2\n');
    h2.send({ t: 'run', job: job('2.s') });
    const second = await h2.next(startedFact('2.s'), 'the started fact of the epoch-2 run');
    expect(second.fact).toMatchObject({ kind: 'started', jobId: '2.s', epoch: 2 });

    const h1 = await connect();
    h1.hello(1);
    expect(await h1.next((m) => (m.t === 'stale-epoch' ? m : undefined), 'stale-epoch')).toEqual({
      t: 'stale-epoch',
      epoch: 2,
    });
    await h1.untilClosed();
    expect(h1.received.map((m) => m.t)).toEqual(['stale-epoch']);
    // the current head's connection is untouched
    expect(h2.closed).toBe(false);
    h2.send({ t: 'ping', n: 7 });
    await h2.next(pong(7), 'a pong on the epoch-2 connection');

    // the jobs ran (an attempt that cannot start exits with -1)
    const exited = (jobId: string) => (m: AgentMessage) =>
      m.t === 'fact' && m.entry.fact.kind === 'exited' && m.entry.fact.jobId === jobId
        ? m.entry.fact
        : undefined;
    expect(await h2.next(exited('2.s'), 'the epoch-2 job to end')).toMatchObject({ status: 0 });
    // the journal, as the agent wrote it: which head generation asked for each attempt
    const started = startedInJournal();
    expect(started.get('1.s')).not.toHaveProperty('epoch');
    expect(started.get('2.s')).toMatchObject({ epoch: 2 });
  });

  it('closes a connection that speaks before its hello; the current head keeps its connection', async () => {
    const h2 = ends.find((e) => !e.closed)!;
    const rude = await connect();
    rude.send({ t: 'ping', n: 1 });
    await rude.untilClosed();
    expect(rude.received).toEqual([]);
    h2.send({ t: 'ping', n: 8 });
    await h2.next(pong(8), 'a pong on the epoch-2 connection');
  });

  it('keeps the highest epoch across a SIGKILL and a restart', async () => {
    await stopAgentDaemon(pid, 'SIGKILL');
    pid = await startAgentDaemon(stateDir);
    const h1 = await connect();
    h1.hello(1);
    expect(await h1.next((m) => (m.t === 'stale-epoch' ? m.epoch : undefined), 'stale-epoch')).toBe(2);
    await h1.untilClosed();
    const h0 = await connect();
    h0.hello();
    expect(await h0.next((m) => (m.t === 'stale-epoch' ? m.epoch : undefined), 'stale-epoch')).toBe(2);
    const h3 = await connect();
    h3.hello(3);
    await h3.next(welcomed, 'welcome to the epoch-3 head');
    expect(readFileSync(join(stateDir, 'head-epoch'), 'utf8')).toBe('3\n');
    h3.send({ t: 'run', job: job('3.s') });
    const third = await h3.next(startedFact('3.s'), 'the started fact of the epoch-3 run');
    expect(third.fact).toMatchObject({ epoch: 3 });
  });
});
