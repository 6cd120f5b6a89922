// Service instances on this node: a run that starts one gets a free TCP port first (listen on
// port 0 on every address, read it, close) in its environment as PORT, with DROVER_SERVICE and
// DROVER_INSTANCE. Once the attempt runs, its port is probed on 127.0.0.1 (a GET of the health
// path answering below 500, else a TCP connect) with a growing delay until it answers; then the
// head is told `instance-up`, again after every hello while the attempt runs. Probing gives up at
// the attempt's walltime or when the attempt ends.
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import type { AgentMessage, RunRequest } from '../core/protocol/agent-protocol.js';

const PROBE_TIMEOUT_MS = 2000;

/** A TCP port free now on every address (the instance binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '0.0.0.0', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Start a run: a service instance's once its port is chosen (and in its environment), any other
 * at once. `refuse` gets why a port could not be had.
 */
export function startRun(
  req: RunRequest,
  start: (req: RunRequest) => void,
  refuse: (why: string) => void,
): void {
  const service = req.service;
  if (!service) {
    start(req);
    return;
  }
  freePort().then(
    (port) =>
      start({
        ...req,
        env: [
          ...req.env,
          ['PORT', String(port)],
          ['DROVER_SERVICE', service.name],
          ['DROVER_INSTANCE', String(service.instance)],
        ],
      }),
    (e: Error) => refuse(`no free port for the service instance: ${e.message}`),
  );
}

/** Whether the instance answers on `port`: a GET of `health` below 500, or a TCP connect. */
export function probePort(port: number, health: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    if (health === undefined) {
      const socket = connect({ host: '127.0.0.1', port });
      const done = (up: boolean) => {
        socket.destroy();
        resolve(up);
      };
      socket.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
      return;
    }
    const req = request(
      { host: '127.0.0.1', port, path: health, timeout: PROBE_TIMEOUT_MS, agent: false },
      (res) => {
        res.resume();
        resolve((res.statusCode ?? 500) < 500);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

interface Probe {
  attempt: number;
  timer?: NodeJS.Timeout;
}

export class InstanceProbes {
  /** attempts probed now, by job id */
  private readonly probing = new Map<string, Probe>();
  /** attempts that answer, by job id */
  private readonly up = new Map<string, { attempt: number; port: number }>();

  constructor(
    private readonly send: (m: AgentMessage) => void,
    private readonly delays = { firstMs: 100, maxMs: 2000 },
  ) {}

  /** An attempt started: a service instance's port is probed until it answers. */
  watch(req: RunRequest): void {
    const port = Number(req.env.find(([k]) => k === 'PORT')?.[1]);
    if (!req.service || !Number.isInteger(port) || port <= 0) return;
    this.end(req.jobId);
    const { jobId, attempt } = req;
    const health = req.service.health;
    const probe: Probe = { attempt };
    this.probing.set(jobId, probe);
    const deadline = req.walltime !== undefined ? Date.now() + req.walltime * 1000 : Number.POSITIVE_INFINITY;
    let delay = this.delays.firstMs;
    const mine = () => this.probing.get(jobId) === probe;
    const tick = async () => {
      const answers = await probePort(port, health);
      if (!mine()) return;
      if (answers) {
        this.probing.delete(jobId);
        this.up.set(jobId, { attempt, port });
        this.send({ t: 'instance-up', jobId, attempt, port });
      } else if (Date.now() + delay > deadline) this.probing.delete(jobId);
      else {
        probe.timer = setTimeout(() => void tick(), delay);
        delay = Math.min(delay * 2, this.delays.maxMs);
      }
    };
    void tick();
  }

  /** The job's attempt ended: no more probing, and it answers no more. */
  end(jobId: string): void {
    const probe = this.probing.get(jobId);
    if (probe?.timer) clearTimeout(probe.timer);
    this.probing.delete(jobId);
    this.up.delete(jobId);
  }

  /** After a hello: the head hears again where the running instances answer. */
  resend(): void {
    for (const [jobId, { attempt, port }] of this.up) this.send({ t: 'instance-up', jobId, attempt, port });
  }
}
