// End-to-end set-up in one call: a real head (TestHead), with its local node or with real sshd
// nodes added by `drover node add` (which returns once the node is up), and one `stop` that ends
// every process it started, by PID, and removes the temporary directories.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type HeadOptions, type RunResult, TestHead } from './head.js';
import { addSshNode, makeClientKey, stopAgents, TestSshd } from './sshd.js';

export interface NodeSpec {
  name: string;
  /** the loopback address its sshd listens on (port 2222) */
  address: string;
  /** more `drover node add` arguments; a function gets the cluster's directory */
  args?: string[] | ((base: string) => string[]);
  /** more sshd_config lines, e.g. `AllowStreamLocalForwarding no` */
  sshdConfig?: string[];
  /** false: only its sshd starts; the test adds it with `cluster.add` (default true) */
  add?: boolean;
}

export interface ClusterOptions {
  /** the head's options; `local` defaults to true without SSH nodes, false with them */
  head?: HeadOptions;
  nodes?: NodeSpec[];
  /** the cluster's temporary directory is `drover-<name>-…` (default `cluster`) */
  name?: string;
  /** job users reach head.sock and the agents' files: the head's home and the cluster's directory 0711 */
  shared?: boolean;
}

export class ClusterNode {
  constructor(
    readonly spec: NodeSpec,
    readonly sshd: TestSshd,
    /** the agent's state directory, `<base>/agent-<name>` */
    readonly agentDir: string,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  get address(): string {
    return this.spec.address;
  }

  /** The agent's PID, as it recorded it. */
  agentPid(): number {
    return Number(readFileSync(join(this.agentDir, 'agent.pid'), 'utf8'));
  }
}

export class Cluster {
  readonly head: TestHead;
  /** the temporary directory of keys, sshd and agent state (the head's home without SSH nodes) */
  readonly base: string;
  /** the key the head logs in to the nodes with (none without SSH nodes) */
  readonly key: { privateKey: string; publicKey: string };
  readonly nodes: ClusterNode[];

  constructor(private readonly opts: ClusterOptions) {
    const specs = opts.nodes ?? [];
    this.head = new TestHead({ local: specs.length === 0, ...opts.head });
    if (specs.length === 0) {
      this.base = this.head.home;
      this.key = { privateKey: '', publicKey: '' };
      this.nodes = [];
      return;
    }
    this.base = mkdtempSync(join(tmpdir(), `drover-${opts.name ?? 'cluster'}-`));
    this.key = makeClientKey(this.base);
    this.nodes = specs.map(
      (s) =>
        new ClusterNode(
          s,
          new TestSshd(s.address, this.base, this.key.publicKey, s.sshdConfig),
          join(this.base, `agent-${s.name}`),
        ),
    );
  }

  node(name: string): ClusterNode {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`no node ${name} in this cluster`);
    return node;
  }

  /** `drover node add` of one of the nodes, with its arguments and then `extra`. */
  add(name: string, extra: string[] = []): Promise<RunResult> {
    const node = this.node(name);
    const args = typeof node.spec.args === 'function' ? node.spec.args(this.base) : (node.spec.args ?? []);
    return addSshNode(this.head, name, node.address, this.key.privateKey, node.agentDir, [...args, ...extra]);
  }

  async start(): Promise<void> {
    if (this.opts.shared) {
      chmodSync(this.base, 0o711);
      chmodSync(this.head.home, 0o711);
    }
    await Promise.all(this.nodes.map((n) => n.sshd.start()));
    await this.head.start();
    for (const node of this.nodes) {
      if (node.spec.add === false) continue;
      const r = await this.add(node.name);
      if (r.code !== 0) throw new Error(`node add ${node.name} failed (${r.code}): ${r.stderr}`);
    }
  }

  /** Stop the head (and its local agent), every agent under `base`, every sshd; remove the directories. */
  async stop(): Promise<void> {
    const failures: unknown[] = [];
    const attempt = async (step: () => Promise<void> | void) => {
      try {
        await step();
      } catch (e) {
        failures.push(e);
      }
    };
    await attempt(() => this.head.stop());
    if (this.nodes.length > 0) {
      for (const node of this.nodes) {
        // a test may have left its agent stopped (SIGSTOP)
        await attempt(() => {
          if (existsSync(join(node.agentDir, 'agent.pid'))) process.kill(node.agentPid(), 'SIGCONT');
        });
      }
      await attempt(() => stopAgents(this.base));
      for (const node of this.nodes) await attempt(() => node.sshd.stop());
      rmSync(this.base, { recursive: true, force: true });
    }
    if (failures.length > 0) throw new AggregateError(failures, 'cluster not stopped cleanly');
  }
}

/** Start a cluster; what started before a failure is stopped again. */
export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const cluster = new Cluster(opts);
  try {
    await cluster.start();
  } catch (e) {
    await cluster.stop().catch(() => {});
    throw e;
  }
  return cluster;
}

/** Start several clusters side by side; when one fails, the others are stopped again. */
export async function startClusters(...all: ClusterOptions[]): Promise<Cluster[]> {
  const settled = await Promise.allSettled(all.map((o) => startCluster(o)));
  const failed = settled.find((s) => s.status === 'rejected');
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  if (!failed) return started;
  await Promise.all(started.map((c) => c.stop().catch(() => {})));
  throw failed.reason;
}

/** One node per address, named `<prefix><n>`, with 1 CPU and the label `slot=<name>`, as the
 * failure-handling tests use them; `extra(i, base)` adds arguments to node i. */
export function slotNodes(
  prefix: string,
  addresses: string[],
  extra: (i: number, base: string) => string[] = () => [],
): NodeSpec[] {
  return addresses.map((address, i) => {
    const name = `${prefix}${i + 1}`;
    return { name, address, args: (base) => ['--ncpus', '1', '--labels', `slot=${name}`, ...extra(i, base)] };
  });
}
