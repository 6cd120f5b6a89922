// Fencing: a node silent for the timeout has its running jobs taken away before they
// run anywhere else. Software fencing always: each attempt is recorded in `fences` and named in
// the node's next hello, so that its agent kills it before it reports anything, and its late
// reports are stale attempts. When the admin set a fence command for the node (a power switch
// call, say), it must succeed first, within its timeout; while it fails the jobs stay where they
// are, so that two copies never run at once. A node whose agent refused this head for a stale
// epoch is never fenced: a newer head has it.
import { spawn } from 'node:child_process';
import type { Logger } from 'pino';
import { splitShellWords } from '../../core/shell-words.js';
import type { StoredNode } from '../db/nodes-table.js';
import type { Store } from '../db/store.js';
import { endLostAttempt } from '../jobs/lost-attempts.js';
import { transition } from '../jobs/transitions.js';
import type { Cluster } from './cluster.js';

export interface FenceSettings {
  /** how long a node may be silent before its jobs are fenced */
  timeoutMs: number;
  /** how long the fence command may take */
  commandTimeoutMs: number;
  /** false while this head may not act (a primary that lost its lease): nothing is fenced */
  acting?: () => boolean;
}

/** What fencing a node came to: its jobs taken by software fencing alone, after the admin's
 * fence command succeeded, or left in place because the command failed. */
export type FenceOutcome = 'software' | 'command' | 'command_failed';

export class Fencer {
  private running = new Set<string>();
  private readonly listeners: ((outcome: FenceOutcome) => void)[] = [];
  /** after a failed fence command: not before this time again */
  private retryAt = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly cluster: Cluster,
    private readonly log: Logger,
    private readonly settings: FenceSettings,
    private readonly poke: () => void,
    private readonly clock: () => number = Date.now,
  ) {}

  start(intervalMs = 1000): void {
    this.timer = setInterval(() => this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Told each time a node is fenced, or its fence command fails. */
  onFence(listener: (outcome: FenceOutcome) => void): void {
    this.listeners.push(listener);
  }

  /**
   * Fence every node that has been down and silent for the timeout and still has running jobs.
   * Silent counts from when the agent was last heard or, for a node not heard since this head
   * started, from the head's first failure to reach it.
   */
  check(): void {
    if (this.settings.acting && !this.settings.acting()) return;
    const now = this.clock();
    for (const node of this.store.nodes.all()) {
      if (this.cluster.isUp(node.name) || this.running.has(node.name)) continue;
      // a newer head has the node: it is not this head's to fence (docs/architecture.md)
      if (this.cluster.refusedFor(node.name) !== undefined) continue;
      const heard = this.cluster.lastHeard(node.name);
      // still the head's first attempt to reach it: not silent yet
      if (heard === undefined || now - heard < this.settings.timeoutMs) continue;
      if ((this.retryAt.get(node.name) ?? 0) > now) continue;
      if (this.runningJobs(node.name).length === 0) continue;
      if (!node.fenceCmd) {
        this.takeJobs(node, 'software');
        continue;
      }
      this.running.add(node.name);
      void this.runCommand(node).then((failure) => {
        this.running.delete(node.name);
        if (failure === undefined) {
          this.retryAt.delete(node.name);
          this.takeJobs(node, 'command');
          return;
        }
        this.retryAt.set(node.name, this.clock() + this.settings.timeoutMs);
        for (const listener of this.listeners) listener('command_failed');
        const reason = `fence command failed (${failure}); its jobs wait until it succeeds or the node returns`;
        this.cluster.noteDown(node.name, reason);
        this.log.error({ node: node.name, failure }, 'fence command failed; jobs left in place');
      });
    }
  }

  private runningJobs(node: string) {
    const ids = new Set(this.store.allocations.onNode(node).map((a) => a.id));
    return [...ids].flatMap((id) => {
      const job = this.store.jobs.byId(id);
      return job?.row.state === 'R' ? [job] : [];
    });
  }

  /** Record the fences, then requeue (or end) each job; sister nodes that are up kill their part. */
  private takeJobs(node: StoredNode, how: 'software' | 'command'): void {
    const at = this.clock();
    const why = `node ${node.name} down (${this.cluster.downReason(node.name) ?? 'silent'})`;
    const sisters: [string, string, number][] = [];
    this.store.transaction(() => {
      for (const job of this.runningJobs(node.name)) {
        const attempt = job.row.attempt;
        const nodes = new Set(this.store.allocations.ofJob(job.seq).map((s) => s.node));
        for (const n of nodes) {
          this.store.fences.add(n, job.id, attempt, at);
          if (n !== node.name && this.cluster.isUp(n)) sisters.push([n, job.id, attempt]);
        }
        transition(this.store, job.seq, { type: 'fenced', node: node.name, attempt, how, reason: why }, at);
        endLostAttempt(this.store, this.store.jobs.get(job.seq)!, `${why}; fenced`, at);
        this.log.warn({ job: job.id, node: node.name, how }, 'node fenced; job taken away');
      }
    });
    for (const listener of this.listeners) listener(how);
    for (const [n, jobId, attempt] of sisters)
      this.cluster.send(n, { t: 'signal', jobId, attempt, signal: 'SIGKILL', reason: 'fenced' });
    this.poke();
  }

  /** Run the node's fence command; undefined on success, else what went wrong. */
  private runCommand(node: StoredNode): Promise<string | undefined> {
    const argv = splitShellWords(node.fenceCmd!);
    if (!argv.ok || argv.value.length === 0) return Promise.resolve('the fence command does not parse');
    const [program, ...args] = argv.value;
    return new Promise((resolve) => {
      const child = spawn(program!, args, {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, DROVER_NODE: node.name, DROVER_HOST: node.host },
      });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-500);
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), this.settings.commandTimeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        resolve(e.message);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve(undefined);
        else if (signal)
          resolve(`killed by ${signal} after the ${this.settings.commandTimeoutMs / 1000} s timeout`);
        else resolve(`exit ${code}${stderr.trim() ? `: ${stderr.trim().split('\n').pop()}` : ''}`);
      });
    });
  }
}
