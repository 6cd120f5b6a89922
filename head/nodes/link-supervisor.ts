// Start and stop the link of each node: the local agent through its socket, remote agents
// through an SSH session running the agent relay. Every hello carries the head's epoch
// (head/nodes/head-epoch.ts); a node whose agent refuses it is neither down nor fenced.
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AgentMessages } from '../agent-link/agent-messages.js';
import type { StoredNode } from '../db/nodes-table.js';
import { agentStartHint, nodeDroverCommand } from './agent-command.js';
import type { Cluster } from './cluster.js';
import type { EpochFencing } from './head-epoch.js';
import { KnownHosts } from './known-hosts.js';
import { LocalAgentTransport } from './local-agent.js';
import { type HeartbeatSettings, NodeLink, type Transport } from './node-link.js';
import { SshSession } from './ssh-session.js';

export interface AgentSettings extends EpochFencing {
  /** a file of the home changed (known_hosts: a standby mirrors it) */
  homeChanged?: (path: string) => void;
  killDelay: number;
  usageInterval: number;
  heartbeat?: HeartbeatSettings;
  /** how this head runs `drover` itself (for the local agent) */
  localCommand: string[];
}

export class NodeLinks {
  private links = new Map<string, NodeLink>();
  /** called with undefined once the node is up; those waiting for a start also with a down reason */
  private waiters = new Map<string, { settle: (reason?: string) => void; downToo: boolean }[]>();
  readonly knownHosts: KnownHosts;
  private readonly reconnectListeners: ((kind: StoredNode['kind']) => void)[] = [];

  constructor(
    private readonly cluster: Cluster,
    private readonly messages: Pick<AgentMessages, 'handleAll'>,
    private readonly log: Logger,
    home: string,
    private readonly agent: AgentSettings,
  ) {
    this.knownHosts = new KnownHosts(join(home, 'known_hosts'), agent.homeChanged);
  }

  agentArgs(stateDir: string): string[] {
    return [
      'agent',
      '--state-dir',
      stateDir,
      '--kill-delay',
      String(this.agent.killDelay),
      '--usage-interval',
      String(this.agent.usageInterval),
    ];
  }

  sshSession(node: StoredNode, allowLearning = false): SshSession {
    const command = nodeDroverCommand(node, this.agent.localCommand);
    const target = {
      name: node.name,
      host: node.host,
      port: node.port,
      user: node.user ?? 'root',
      identity: node.identity ?? '',
    };
    return new SshSession(
      target,
      this.knownHosts,
      [...command, ...this.agentArgs(node.stateDir)],
      allowLearning,
    );
  }

  private transport(node: StoredNode): Transport {
    if (node.kind === 'local')
      return new LocalAgentTransport(node.stateDir, [
        ...this.agent.localCommand,
        ...this.agentArgs(node.stateDir),
      ]);
    return this.sshSession(node);
  }

  start(node: StoredNode, transport: Transport = this.transport(node)): void {
    const name = node.name;
    const store = this.cluster.store;
    let helloAt = 0;
    let upBefore = false;
    const handlers = {
      messages: (batch: Parameters<AgentMessages['handleAll']>[1]) => this.messages.handleAll(name, batch),
      fenced: () => {
        helloAt = Date.now();
        return store.fences.forNode(name);
      },
      up: () => {
        // the agent answered a hello naming its fenced attempts: they are dead now
        store.fences.clear(name, helloAt);
        this.cluster.markUp(name);
        this.log.info({ node: name }, 'node up');
        if (upBefore) for (const listener of this.reconnectListeners) listener(node.kind);
        upBefore = true;
        this.settle(name, true);
      },
      down: (reason: string) => {
        if (this.cluster.isUp(name)) this.log.warn({ node: name, reason }, 'node down');
        this.cluster.markDown(name, reason);
        this.settle(name, false, reason);
      },
      epoch: () => this.epoch(),
      staleEpoch: (epoch: number) => this.staleEpoch(name, epoch),
    };
    const link = new NodeLink(name, transport, handlers, this.agent.heartbeat);
    this.links.set(name, link);
    this.cluster.attach(link);
    link.start();
  }

  /** Told each time a node's link is up again after it was up once (a reconnect). */
  onReconnect(listener: (kind: StoredNode['kind']) => void): void {
    this.reconnectListeners.push(listener);
  }

  /** The head's epoch for a hello (0 without a getter). */
  epoch(): number {
    return this.agent.epoch?.() ?? 0;
  }

  /** The node's agent has seen a newer head: this head changes nothing there (not down, not fenced). */
  private staleEpoch(name: string, epoch: number): void {
    this.cluster.refuse(name, epoch);
    const reason = `the agent has seen head epoch ${epoch}, above this head's ${this.epoch()}`;
    this.settle(name, false, reason);
    if (this.agent.onStaleEpoch) this.agent.onStaleEpoch(epoch, name);
    else this.log.warn({ node: name, epoch, own: this.epoch() }, 'node refused this head: stale epoch');
  }

  private settle(name: string, up: boolean, reason?: string): void {
    const list = this.waiters.get(name) ?? [];
    const [done, rest] = [list.filter((w) => up || w.downToo), list.filter((w) => !up && !w.downToo)];
    if (rest.length > 0) this.waiters.set(name, rest);
    else this.waiters.delete(name);
    for (const w of done) w.settle(reason);
  }

  private wait(name: string, ms: number, downToo: boolean): Promise<string | undefined> {
    if (this.cluster.isUp(name)) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const waiter = {
        settle: (reason?: string) => {
          clearTimeout(timer);
          resolve(reason);
        },
        downToo,
      };
      const timer = setTimeout(() => {
        this.waiters.set(
          name,
          (this.waiters.get(name) ?? []).filter((w) => w !== waiter),
        );
        resolve(`its agent did not answer within ${Math.round(ms / 1000)} s`);
      }, ms);
      timer.unref();
      this.waiters.set(name, [...(this.waiters.get(name) ?? []), waiter]);
    });
  }

  /** Resolves when the node's agent has said welcome (true), or after `ms` (false). */
  async whenUp(name: string, ms: number): Promise<boolean> {
    return (await this.wait(name, ms, false)) === undefined;
  }

  /**
   * A link just started: undefined once the agent has said welcome, else why not (the first
   * failure to reach or start it, or `ms` without an answer). The link keeps retrying.
   */
  whenStarted(name: string, ms: number): Promise<string | undefined> {
    return this.wait(name, ms, true);
  }

  /** What to do when the node's agent does not start. */
  startHint(node: StoredNode): string {
    return agentStartHint(node, this.agent.localCommand);
  }

  stop(name: string): void {
    this.links.get(name)?.stop();
    this.links.delete(name);
    this.cluster.detach(name);
  }

  stopAll(): void {
    for (const name of [...this.links.keys()]) this.stop(name);
  }
}
