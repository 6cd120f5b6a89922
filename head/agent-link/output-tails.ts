// The head's side of the requests about a running attempt's spooled output: `tail?`/`tail`
// (core/protocol/output-tail.ts, drover peek) and `append?`/`appended` (qmsg). Each request
// carries an id, its answer is matched by that id and by the node it was sent to, and an agent that
// does not answer within `timeoutMs` (one that does not know the message ignores it: the
// connection stays up) gets the request refused. Answers never enter the transaction of agent facts
// (head/agent-link/agent-messages.ts): `take` picks them out of a batch first.
import { randomUUID } from 'node:crypto';
import { ok, type Result, refuse } from '../../core/errors.js';
import type { AgentMessage, HeadMessage, TailStream } from '../../core/protocol/agent-protocol.js';
import type { Cluster } from '../nodes/cluster.js';

type TailAnswer = Extract<AgentMessage, { t: 'tail' }>;
type AppendAnswer = Extract<AgentMessage, { t: 'appended' }>;
type Answer = TailAnswer | AppendAnswer;

/** Which attempt's output to read, where it runs, and from which offset. */
export interface TailAsk {
  node: string;
  jobId: string;
  attempt: number;
  stream: TailStream;
  from: number;
}

/** Which attempt's streams get a line, where it runs. */
export interface AppendAsk {
  node: string;
  jobId: string;
  attempt: number;
  streams: TailStream[];
  text: string;
}

interface Pending {
  node: string;
  settle: (answer: Answer | undefined) => void;
}

/** How long an agent has to answer (a few seconds: a person, or a page, waits for it). */
export const TAIL_TIMEOUT_MS = 4000;

export class OutputTails {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly cluster: Pick<Cluster, 'send' | 'isUp'>,
    private readonly timeoutMs = TAIL_TIMEOUT_MS,
  ) {}

  /** The agent's answer, or NODE_NOT_ANSWERING when its node is down or it does not answer. */
  ask(a: TailAsk): Promise<Result<TailAnswer>> {
    const { node, ...rest } = a;
    return this.request(node, (reqId) => ({ t: 'tail?', reqId, ...rest })) as Promise<Result<TailAnswer>>;
  }

  /** qmsg: the agent's answer once it has written the line, or NODE_NOT_ANSWERING. */
  append(a: AppendAsk): Promise<Result<AppendAnswer>> {
    const { node, ...rest } = a;
    return this.request(node, (reqId) => ({ t: 'append?', reqId, ...rest })) as Promise<Result<AppendAnswer>>;
  }

  private request(node: string, message: (reqId: string) => HeadMessage): Promise<Result<Answer>> {
    const silent = (why: string) => refuse<Answer>('NODE_NOT_ANSWERING', `node ${node} ${why}`);
    if (!this.cluster.isUp(node)) return Promise.resolve(silent('is down'));
    const reqId = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(undefined), this.timeoutMs);
      const settle = (answer: Answer | undefined) => {
        clearTimeout(timer);
        this.pending.delete(reqId);
        const seconds = Math.round(this.timeoutMs / 1000);
        resolve(
          answer ? ok(answer) : silent(`did not answer within ${seconds} s (an agent older than the head?)`),
        );
      };
      this.pending.set(reqId, { node, settle });
      if (!this.cluster.send(node, message(reqId))) settle(undefined);
    });
  }

  /** The batch without the answers to this head's requests, which are settled now. */
  take(node: string, batch: AgentMessage[]): AgentMessage[] {
    const isAnswer = (m: AgentMessage): m is Answer => m.t === 'tail' || m.t === 'appended';
    if (!batch.some(isAnswer)) return batch;
    return batch.filter((m) => {
      if (!isAnswer(m)) return true;
      const p = this.pending.get(m.reqId);
      if (p?.node === node) p.settle(m);
      return false;
    });
  }

  /** Requests still waiting (none once every answer or timeout has come). */
  get waiting(): number {
    return this.pending.size;
  }
}
