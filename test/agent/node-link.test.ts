// The head's link to one node's agent over a fake transport (an in-memory stream the test plays
// the agent on), with fake timers: hello on every connection, heartbeats, dropping a silent
// connection, reconnecting with backoff, stopping, the head's epoch in hello and a refusal for a
// stale one.
import { Duplex } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  type AgentMessage,
  type FencedAttempt,
  type HeadMessage,
  PROTOCOL_VERSION,
} from '../../core/protocol/agent-protocol.js';
import { NodeLink, type Transport } from '../../head/nodes/node-link.js';

/** The agent's end of a connection: what the head wrote, and a way to answer. */
class AgentEnd extends Duplex {
  received: HeadMessage[] = [];
  private partial = '';

  override _read(): void {}

  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    const lines = (this.partial + chunk.toString()).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) this.received.push(JSON.parse(line) as HeadMessage);
    done();
  }

  say(...messages: AgentMessage[]): void {
    this.push(messages.map((m) => `${JSON.stringify(m)}\n`).join(''));
  }

  kinds(): string[] {
    return this.received.map((m) => m.t);
  }
}

class FakeTransport implements Transport {
  streams: AgentEnd[] = [];
  /** when each open was asked for */
  opens: number[] = [];
  /** errors for the next opens, in order */
  failures: string[] = [];
  /** when set, an open waits for it */
  gate: Promise<void> | undefined;
  closed = 0;

  async open(): Promise<Duplex> {
    this.opens.push(Date.now());
    const failure = this.failures.shift();
    if (failure) throw new Error(failure);
    if (this.gate) await this.gate;
    const s = new AgentEnd();
    this.streams.push(s);
    return s;
  }
  describe(): string {
    return 'fake-node:22';
  }
  close(): void {
    this.closed++;
  }
  get last(): AgentEnd {
    return this.streams[this.streams.length - 1]!;
  }
}

const welcome: AgentMessage = {
  t: 'welcome',
  node: { hostname: 'n1', ncpus: 1, mem: 1, ngpus: 0, agentPid: 1, version: PROTOCOL_VERSION },
  jobs: [],
};
const usage = { cput: 0, mem: 0, vmem: 0, walltime: 0, cpupercent: 0, ncpus: 1 };
const fact: AgentMessage = {
  t: 'fact',
  entry: { seq: 1, fact: { kind: 'exited', jobId: '1.s', attempt: 1, status: 0, usage, at: 1 } },
};

let transport: FakeTransport;
let batches: AgentMessage[][];
let ups: number;
let downs: string[];
let fenced: FencedAttempt[];
let epoch: number;
let stales: number[];
let link: NodeLink;

/** Let stream events and the link's promises run (real setImmediate; timers are fake). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));
const advance = async (ms: number) => {
  await vi.advanceTimersByTimeAsync(ms);
  await settle();
};

function newLink(heartbeatMs = 1000, timeoutMs = 3000): NodeLink {
  return new NodeLink(
    'n1',
    transport,
    {
      messages: (batch) => batches.push(batch),
      up: () => ups++,
      down: (reason) => downs.push(reason),
      fenced: () => fenced,
      epoch: () => epoch,
      staleEpoch: (e) => stales.push(e),
    },
    { heartbeatMs, timeoutMs, staleRetryMs: 20_000 },
  );
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  transport = new FakeTransport();
  batches = [];
  ups = 0;
  downs = [];
  fenced = [];
  epoch = 0;
  stales = [];
  link = newLink();
});
afterEach(() => {
  link.stop();
  vi.useRealTimers();
});

describe('NodeLink', () => {
  it('says hello with the protocol version on connecting, and is up once the agent welcomes it', async () => {
    link.start();
    await settle();
    expect(transport.last.received).toEqual([{ t: 'hello', version: PROTOCOL_VERSION }]);
    expect(link.connected).toBe(false);
    expect(ups).toBe(0);
    transport.last.say(welcome, fact);
    await settle();
    expect(link.connected).toBe(true);
    expect(ups).toBe(1);
    expect(batches).toEqual([[welcome, fact]]);
  });

  it('names the fenced attempts in its hello', async () => {
    fenced = [{ jobId: '7.s', attempt: 2 }];
    link.start();
    await settle();
    expect(transport.last.received[0]).toEqual({ t: 'hello', version: PROTOCOL_VERSION, fenced });
  });

  it('pings every heartbeat; a pong counts as hearing the agent but is not handed on', async () => {
    link.start();
    await settle();
    await advance(2500);
    expect(transport.last.received.slice(1)).toEqual([
      { t: 'ping', n: 1 },
      { t: 'ping', n: 2 },
    ]);
    transport.last.say({ t: 'pong', n: 2 });
    await settle();
    expect(link.lastHeard).toBe(Date.now());
    expect(batches).toEqual([]);
  });

  it('keeps a connection whose agent answers every ping', async () => {
    link.start();
    await settle();
    transport.last.say(welcome);
    for (let i = 0; i < 10; i++) {
      await advance(1000);
      const ping = transport.last.received.at(-1)!;
      if (ping.t === 'ping') transport.last.say({ t: 'pong', n: ping.n });
    }
    await settle();
    expect(transport.streams).toHaveLength(1);
    expect(downs).toEqual([]);
    expect(link.connected).toBe(true);
  });

  it('drops a connection silent for the timeout, and says hello again on a new one', async () => {
    link.start();
    await settle();
    transport.last.say(welcome);
    await advance(2999);
    expect(downs).toEqual([]);
    await advance(1);
    expect(downs).toEqual(['agent not answering: no heartbeat for 3 s (the connection is up)']);
    expect(link.connected).toBe(false);
    expect(transport.streams[0]!.destroyed).toBe(true);
    expect(link.send({ t: 'usage?' })).toBe(false);
    await advance(100);
    expect(transport.streams).toHaveLength(2);
    expect(transport.last.kinds()).toEqual(['hello']);
  });

  it('reconnects after the agent closes the connection', async () => {
    link.start();
    await settle();
    transport.last.say(welcome);
    await settle();
    transport.last.destroy();
    await settle();
    expect(downs).toEqual(['connection lost: connection to agent closed']);
    expect(link.connected).toBe(false);
    await advance(100);
    expect(transport.streams).toHaveLength(2);
    expect(transport.last.kinds()).toEqual(['hello']);
  });

  it('retries a transport that cannot open with a backoff that doubles up to 5 s', async () => {
    transport.failures = Array.from({ length: 9 }, () => 'refused');
    link.start();
    await advance(22_000);
    const gaps = transport.opens.slice(1).map((t, i) => t - transport.opens[i]!);
    expect(gaps).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
    expect(downs[0]).toBe('connection lost: cannot reach agent at fake-node:22: refused');
    expect(transport.streams).toHaveLength(1);
    expect(transport.last.kinds()).toContain('hello');
  });

  it('fails an open that hangs for the dial timeout, retries, and closes a stream that opens late', async () => {
    let open!: () => void;
    transport.gate = new Promise((resolve) => {
      open = resolve;
    });
    link = new NodeLink(
      'n1',
      transport,
      { messages: (batch) => batches.push(batch), up: () => ups++, down: (reason) => downs.push(reason) },
      { heartbeatMs: 1000, timeoutMs: 3000, dialMs: 5000 },
    );
    link.start();
    await advance(4999);
    expect(downs).toEqual([]);
    await advance(1);
    expect(downs).toEqual(['connection lost: cannot reach agent at fake-node:22: no answer within 5 s']);
    expect(transport.closed).toBe(1);
    transport.gate = undefined;
    await advance(100);
    expect(transport.opens).toHaveLength(2);
    expect(transport.last.kinds()).toEqual(['hello']);
    const current = transport.last;
    open();
    await settle();
    expect(transport.streams).toHaveLength(2);
    expect(transport.last.destroyed).toBe(true);
    expect(transport.last.received).toEqual([]);
    expect(current.destroyed).toBe(false);
  });

  it("passes on a transport's `agent dead` reason as it is", async () => {
    transport.failures = ['agent dead: the host answers over SSH but its agent does not start'];
    link.start();
    await settle();
    expect(downs).toEqual(['agent dead: the host answers over SSH but its agent does not start']);
  });

  it('starts the backoff afresh once an agent has welcomed it', async () => {
    transport.failures = ['refused', 'refused', 'refused'];
    link.start();
    await advance(700); // 100 + 200 + 400
    expect(transport.streams).toHaveLength(1);
    transport.last.say(welcome);
    await settle();
    transport.last.destroy();
    await settle();
    const closedAt = Date.now();
    await advance(100);
    expect(transport.opens.at(-1)! - closedAt).toBe(100);
    expect(transport.streams).toHaveLength(2);
  });

  it('sends only while connected', async () => {
    expect(link.send({ t: 'usage?' })).toBe(false);
    link.start();
    await settle();
    expect(link.send({ t: 'usage?' })).toBe(true);
    expect(transport.last.received.at(-1)).toEqual({ t: 'usage?' });
  });

  it('stops: the connection and the transport close and nothing reconnects', async () => {
    link.start();
    await settle();
    const stream = transport.last;
    link.stop();
    expect(stream.destroyed).toBe(true);
    expect(transport.closed).toBe(1);
    expect(link.connected).toBe(false);
    await advance(30_000);
    expect(transport.opens).toHaveLength(1);
    expect(stream.kinds()).toEqual(['hello']);
  });

  it('closes a connection that opens after it was stopped', async () => {
    let open!: () => void;
    transport.gate = new Promise((resolve) => {
      open = resolve;
    });
    link.start();
    await settle();
    link.stop();
    open();
    await settle();
    expect(transport.last.destroyed).toBe(true);
    expect(transport.last.received).toEqual([]);
  });

  it("names the head's epoch in its hello (none while it is 0), read at every connection", async () => {
    epoch = 3;
    link.start();
    await settle();
    expect(transport.last.received).toEqual([{ t: 'hello', version: PROTOCOL_VERSION, epoch: 3 }]);
    epoch = 4;
    transport.last.destroy();
    await settle();
    await advance(100);
    expect(transport.last.received).toEqual([{ t: 'hello', version: PROTOCOL_VERSION, epoch: 4 }]);
  });

  it('refused for a stale epoch: tells its handlers, is not down, and says hello again only after the long wait', async () => {
    epoch = 1;
    link.start();
    await settle();
    const refused = transport.last;
    refused.say({ t: 'stale-epoch', epoch: 2 });
    refused.destroy(); // the agent closes the connection after its answer
    await settle();
    expect(stales).toEqual([2]);
    expect(downs).toEqual([]);
    expect(batches).toEqual([]);
    expect(ups).toBe(0);
    expect(link.connected).toBe(false);
    expect(link.send({ t: 'usage?' })).toBe(false);
    await advance(19_999);
    expect(transport.streams).toHaveLength(1);
    epoch = 2; // say, this head has been made primary again meanwhile
    await advance(1);
    expect(transport.streams).toHaveLength(2);
    expect(transport.last.received).toEqual([{ t: 'hello', version: PROTOCOL_VERSION, epoch: 2 }]);
    transport.last.say(welcome);
    await settle();
    expect(ups).toBe(1);
    expect(downs).toEqual([]);
  });
});
