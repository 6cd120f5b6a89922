// `drover mpi-proxy`: started by `drover mpiexec` as a task on each other node of the job (through
// the agents, as pbsdsh's tasks are). It connects back to the launcher's wire-up server with the
// run's key (both from its environment), starts the ranks it is sent in its own process group (so
// the agent's end-of-job kill reaches them), streams their output in whole lines and reports their
// exits; it ends its ranks and exits when told to or when the launcher's connection drops.
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MPI_ENV, type ProxyMessage } from '../../core/protocol/mpi-wireup.js';
import { RankRunner } from './rank-runner.js';
import { LineSplitter, line, parseLauncherMessage } from './wire-lines.js';

const KILL_GRACE_MS = 2000;

/** `tcp:HOST:PORT` as connect() wants it. */
export function tcpAddress(wireup: string): { host: string; port: number } | undefined {
  const m = /^tcp:(.+):(\d+)$/.exec(wireup);
  return m ? { host: m[1]!.replace(/^\[(.*)\]$/, '$1'), port: Number(m[2]) } : undefined;
}

export function mpiProxy(): Promise<number> {
  const { [MPI_ENV.wireup]: wireup = '', [MPI_ENV.key]: key, [MPI_ENV.node]: node } = process.env;
  const at = tcpAddress(wireup);
  if (!at || !key || !node) {
    process.stderr.write('drover mpi-proxy: only drover mpiexec starts this (its environment is not set)\n');
    return Promise.resolve(2);
  }
  const base = { ...process.env };
  for (const name of [MPI_ENV.wireup, MPI_ENV.key, MPI_ENV.node]) delete base[name];
  const dir = mkdtempSync(join(process.env.TMPDIR || tmpdir(), 'drover-mpi-'));
  const socket = connect(at.port, at.host);
  socket.setNoDelay(true);
  const send = (m: ProxyMessage) => {
    if (!socket.destroyed) socket.write(line(m));
  };
  const runner = new RankRunner(
    {
      output: (universe, rank, stream, data) => send({ t: 'output', universe, rank, stream, data }),
      exit: (universe, rank, code, signal) => send({ t: 'exit', universe, rank, code, signal }),
    },
    dir,
    base,
  );
  return new Promise((resolve) => {
    let ending = false;
    const end = async (status: number) => {
      if (ending) return;
      ending = true;
      await runner.stop(KILL_GRACE_MS);
      socket.end();
      rmSync(dir, { recursive: true, force: true });
      resolve(status);
    };
    for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(s, () => void end(0));
    socket.on('connect', () => send({ t: 'proxy-hello', key, node }));
    socket.on('error', (e) => {
      process.stderr.write(`drover mpi-proxy: the launcher at ${wireup}: ${e.message}\n`);
      void end(1);
    });
    socket.on('close', () => void end(0));
    socket.setEncoding('utf8');
    const lines = new LineSplitter();
    socket.on('data', (chunk: string) => {
      for (const l of lines.push(chunk) ?? []) {
        const m = parseLauncherMessage(l);
        if ('error' in m) {
          process.stderr.write(`drover mpi-proxy: ${m.error}\n`);
          continue;
        }
        if (m.t === 'start' && !ending) runner.start(m.argv, m.cwd, m.ranks);
        else if (m.t === 'kill' && m.signal in constants.signals) runner.kill(m.signal as NodeJS.Signals);
      }
    });
  });
}
