// The agent's side of service instances, with real sockets: a run gets a free port in its
// environment, its port is probed until it answers (a health path below 500, or a TCP connect)
// and the head is told once, again after a hello; an attempt that ends stops its probing.
import { createServer, type Server } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, InstanceProbes, probePort, startRun } from '../../compute-agent/service-ports.js';
import type { AgentMessage, RunRequest } from '../../core/protocol/agent-protocol.js';

const servers: { close: (cb: () => void) => void }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))));
});

const run = (env: [string, string][] = [], more: Partial<RunRequest> = {}): RunRequest => ({
  jobId: '3.svr',
  seq: 3,
  attempt: 2,
  user: 'alice',
  env,
  nodefile: ['n1'],
  ncpus: 1,
  gpus: [],
  join: 'oe',
  umask: 0o77,
  service: { name: 'web', instance: 1, health: '/health' },
  ...more,
});

/** An HTTP server on `port` answering /health with `status`. */
async function http(port: number, status: () => number): Promise<Server> {
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/health' ? status() : 404;
    res.end();
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(port, '0.0.0.0', r));
  return server;
}

/** Resolves with the messages once `n` have been sent. */
function collector(n: number) {
  const sent: AgentMessage[] = [];
  let done: () => void = () => {};
  const all = new Promise<AgentMessage[]>((resolve) => {
    done = () => sent.length >= n && resolve(sent);
  });
  const send = (m: AgentMessage) => {
    sent.push(m);
    done();
  };
  return { sent, all, send };
}

describe('service ports on the agent', () => {
  it('gives an instance a free port, its service and its number; other runs start as they are', async () => {
    const started = await new Promise<RunRequest>((resolve, reject) =>
      startRun(run([['A', '1']]), resolve, reject),
    );
    const env = Object.fromEntries(started.env);
    expect(env).toMatchObject({ A: '1', DROVER_SERVICE: 'web', DROVER_INSTANCE: '1' });
    expect(Number(env.PORT)).toBeGreaterThan(0);
    const plain = run([], { service: undefined });
    let got: RunRequest | undefined;
    startRun(
      plain,
      (r) => (got = r),
      () => {},
    );
    expect(got).toBe(plain);
  });

  it('probes the health path until it answers below 500, then says instance-up once and after each hello', async () => {
    const port = await freePort();
    let status = 503;
    await http(port, () => status);
    expect(await probePort(port, '/health')).toBe(false);
    const c = collector(1);
    const probes = new InstanceProbes(c.send, { firstMs: 10, maxMs: 20 });
    probes.watch(run([['PORT', String(port)]]));
    setTimeout(() => (status = 200), 50);
    expect(await c.all).toEqual([{ t: 'instance-up', jobId: '3.svr', attempt: 2, port }]);
    probes.resend();
    expect(c.sent).toHaveLength(2);
    probes.end('3.svr');
    probes.resend();
    expect(c.sent).toHaveLength(2);
  });

  it('without a health path a TCP connect will do; an ended attempt is probed no more', async () => {
    const port = await freePort();
    expect(await probePort(port, undefined)).toBe(false);
    const c = collector(1);
    const probes = new InstanceProbes(c.send, { firstMs: 10, maxMs: 20 });
    probes.watch(run([['PORT', String(port)]], { service: { name: 'tcp', instance: 0 } }));
    probes.end('3.svr');
    probes.watch(run([['PORT', String(port)]], { jobId: '4.svr', service: { name: 'tcp', instance: 0 } }));
    const tcp = createTcpServer((s) => s.destroy());
    servers.push(tcp);
    await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', r));
    // the first arrival is the attempt still running: the ended one's probing stopped at end()
    expect(await c.all).toEqual([{ t: 'instance-up', jobId: '4.svr', attempt: 2, port }]);
  });
});
