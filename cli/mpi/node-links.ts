// How the launcher reaches each node's ranks: on its own node it starts them itself (RankRunner);
// on the job's other nodes through one `drover mpi-proxy` task per node, started by the agents as
// pbsdsh's tasks are (the key and the launcher's address in the task's environment, never on a
// command line), which connects back and speaks the proxy side of core/protocol/mpi-wireup.ts.
import type { LauncherMessage, ProxyMessage, RankStart } from '../../core/protocol/mpi-wireup.js';
import { MPI_ENV } from '../../core/protocol/mpi-wireup.js';
import { askAgent } from '../task-socket.js';
import type { MpiRun, NodeLink } from './mpi-run.js';
import { RankRunner } from './rank-runner.js';
import type { ProxyConn } from './wireup-server.js';

/** The ranks on the launcher's own node. */
export function localLink(run: () => MpiRun, dir: string): NodeLink {
  const runner = new RankRunner(
    {
      output: (...a) => run().output(...a),
      exit: (...a) => run().exit(...a),
    },
    dir,
    process.env,
  );
  return {
    start: (argv, cwd, ranks) => runner.start(argv, cwd, ranks),
    kill: (signal) => runner.kill(signal),
  };
}

class ProxyLink implements NodeLink {
  private queue: LauncherMessage[] = [];
  conn: ProxyConn | undefined;
  /** the run has signalled this node before its proxy connected: it gets nothing to start */
  private killed = false;

  start(argv: string[], cwd: string, ranks: RankStart[]): void {
    this.send({ t: 'start', argv, cwd, ranks });
  }

  kill(signal: NodeJS.Signals): void {
    if (this.conn) this.send({ t: 'kill', signal });
    else {
      this.killed = true;
      this.queue = [];
    }
  }

  private send(m: LauncherMessage): void {
    if (this.conn) this.conn.send(m);
    else if (!this.killed) this.queue.push(m);
  }

  attach(conn: ProxyConn): void {
    this.conn = conn;
    if (this.killed) conn.close();
    else for (const m of this.queue.splice(0)) conn.send(m);
  }
}

export interface JobTasks {
  jobId: string;
  cookie: string;
  socket: string;
}

/** The proxies of the job's other nodes, one per node, started on first use. */
export class ProxyLinks {
  private readonly links = new Map<string, ProxyLink>();
  private readonly tasks: Promise<void>[] = [];

  constructor(
    private readonly job: JobTasks,
    private readonly run: () => MpiRun,
    /** what the proxy is told: the wire-up server's address, the key */
    private readonly env: { wireup: string; key: string },
    private readonly err: (text: string) => void,
  ) {}

  link(host: string): NodeLink {
    const link = new ProxyLink();
    this.links.set(host, link);
    const select = {
      host,
      env: { [MPI_ENV.wireup]: this.env.wireup, [MPI_ENV.key]: this.env.key, [MPI_ENV.node]: host },
    };
    const ask = askAgent(this.job.socket, {
      t: 'pbsdsh',
      jobId: this.job.jobId,
      cookie: this.job.cookie,
      argv: ['drover', 'mpi-proxy'],
      select,
    });
    this.tasks.push(
      ask.then(
        (reply) => {
          const r = reply.t === 'tasks-done' ? reply.results[0] : undefined;
          if (r && r.status !== 0) this.err(r.stderr);
          const why =
            reply.t === 'error'
              ? reply.message
              : `status ${r?.status ?? '?'}${r?.stderr ? `: ${r.stderr.trim().split('\n').pop()}` : ''}`;
          this.ended(host, link, `lost: its node proxy ended (${why})`);
        },
        (e: Error) => this.ended(host, link, `lost: cannot start its node proxy: ${e.message}`),
      ),
    );
    return link;
  }

  private ended(host: string, link: ProxyLink, reason: string): void {
    if (this.links.get(host) !== link) return;
    this.links.delete(host);
    this.run().nodeLost(host, reason);
  }

  /** A proxy has said hello for `node`: the handlers of its messages, or why it is refused. */
  connected(node: string, conn: ProxyConn): { message(m: ProxyMessage): void; closed(): void } | string {
    const link = this.links.get(node);
    if (!link) return `no ranks wait for a proxy on ${node}`;
    if (link.conn) return `a proxy for ${node} is already connected`;
    link.attach(conn);
    return {
      message: (m) => {
        if (m.t === 'output') this.run().output(m.universe, m.rank, m.stream, m.data);
        else if (m.t === 'exit') this.run().exit(m.universe, m.rank, m.code, m.signal);
      },
      closed: () => this.ended(node, link, 'lost: the connection to its node proxy dropped'),
    };
  }

  /** Wait (at most `ms`) for the proxy tasks to end: then no rank is left on their nodes. */
  async settled(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((r) => {
      timer = setTimeout(r, ms);
    });
    await Promise.race([Promise.allSettled(this.tasks), limit]);
    clearTimeout(timer);
  }
}
