// pbsdsh in a running job: the mother superior's agent asks for tasks on the job's slots; the
// head sends one `task` to each chosen slot's agent and relays the results back.
import type { HeadMessage, TaskResult, TaskSelection } from '../../core/protocol/agent-protocol.js';
import { selectTaskSlots } from '../../core/scheduling/task-slots.js';
import type { StoredJob } from '../db/jobs-table.js';
import type { Store } from '../db/store.js';
import type { Cluster } from '../nodes/cluster.js';
import { buildRunRequest } from '../scheduling/run-request.js';

type Send = (node: string, m: HeadMessage) => void;

export interface TaskAsk {
  reqId: string;
  job: StoredJob | undefined;
  jobId: string;
  argv: string[];
  select: TaskSelection;
}

interface Pending {
  node: string;
  expected: number;
  results: TaskResult[];
  /** tasks not yet sent (-s runs them one after another) */
  later: [string, HeadMessage][];
  wait: boolean;
}

export class TaskRequests {
  private readonly requests = new Map<string, Pending>();

  constructor(
    private readonly store: Store,
    private readonly cluster: Cluster,
  ) {}

  /** Start the tasks `ask` wants (from the agent on `node`), or refuse them. */
  start(node: string, ask: TaskAsk, send: Send): void {
    const starts = this.starts(ask);
    if (typeof starts === 'string') {
      send(node, { t: 'tasks-refused', reqId: ask.reqId, reason: starts });
      return;
    }
    const wait = ask.select.wait !== false;
    const now = ask.select.serial ? starts.slice(0, 1) : starts;
    this.requests.set(ask.reqId, {
      node,
      expected: starts.length,
      results: [],
      later: starts.slice(now.length),
      wait,
    });
    for (const [to, m] of now) send(to, m);
    if (!wait) send(node, { t: 'tasks-done', reqId: ask.reqId, results: [] });
  }

  /** The `task` message for each chosen slot, or why there is none. */
  private starts({ reqId, job, jobId, argv, select }: TaskAsk): [string, HeadMessage][] | string {
    if (job?.row.state !== 'R') return `job ${jobId} is not running`;
    const slots = this.store.allocations.ofJob(job.seq);
    if (slots.some((s) => !this.cluster.isUp(s.node))) return 'a node of the job is down';
    const hostOf = (n: string) => this.cluster.hostOf(n);
    const chosen = selectTaskSlots(
      slots.length,
      select,
      slots.map((s) => hostOf(s.node)),
    );
    if (!chosen.ok) return chosen.error.message;
    const nodes = [...new Set(slots.map((s) => s.node))];
    const base = buildRunRequest(job, slots, undefined, hostOf, this.store.meta.torque());
    const env = select.env ? { env: select.env } : {};
    return chosen.value.map((index, taskNum): [string, HeadMessage] => {
      const slot = slots[index]!;
      const req = { ...base, ncpus: slot.ompthreads, gpus: slot.gpus };
      const nodeNum = nodes.indexOf(slot.node);
      return [slot.node, { t: 'task', reqId, taskNum, nodeNum, job: req, argv, ...env }];
    });
  }

  /** One task ended: send the next (-s), and the results once every task has ended. */
  done(reqId: string, result: TaskResult, send: Send): void {
    const r = this.requests.get(reqId);
    if (!r) return;
    r.results.push(result);
    const next = r.later.shift();
    if (next) send(...next);
    if (r.results.length < r.expected) return;
    this.requests.delete(reqId);
    if (r.wait)
      send(r.node, { t: 'tasks-done', reqId, results: r.results.sort((a, b) => a.taskNum - b.taskNum) });
  }
}
