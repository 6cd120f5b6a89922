// `qsub -W block=true`: after printing the id, wait for the job to end and exit as PBS's qsub does
// (OpenPBS's block()): with the job's Exit_status (8 bits: 271 → 15), or 3 with `qsub: <id>
// <message>` when it was deleted. Each request is held by the head until the job ends or a few
// seconds pass (head/api/wait-routes.ts); when no head answers (one restarting, a takeover) the
// command asks again after a pause that grows to 5 s, for as long as it takes: the job's end is
// in the database, not in the head that was asked. A signal (HUP, INT, QUIT, TERM) deletes the
// job, exit 2.
import { constants } from 'node:os';
import { NoServer, Refused } from './api-errors.js';
import { api } from './client.js';
import { printError, report } from './command.js';
import { replyTimeoutMs } from './failover.js';

interface WaitAnswer {
  ended: boolean;
  exitStatus?: number;
  message?: string;
}

const SIGNALS = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM'] as const;

/** What PBS's qsub exits with when its job was deleted. */
const DELETED_EXIT = 3;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** How long the head may hold one request (s): well under a list of heads' reply timeout. */
function holdSeconds(): number {
  return Math.max(1, Math.min(25, Math.floor(replyTimeoutMs() / 1000) - 2));
}

/** The pause before asking again after the `n`th time no head answered. */
function retryMs(n: number): number {
  return Math.min(5000, 250 * 2 ** (n - 1));
}

/** One request; undefined when no head answers as the primary. */
async function ask(id: string) {
  try {
    return await api<WaitAnswer>('POST', '/v1/jobs/wait', { id, timeout: holdSeconds() });
  } catch (e) {
    if (e instanceof NoServer || (e instanceof Refused && e.error.code === 'NOT_PRIMARY')) return undefined;
    throw e;
  }
}

async function untilEnded(id: string): Promise<number> {
  for (let failures = 0; ; ) {
    const reply = await ask(id);
    if (reply === undefined) {
      await sleep(retryMs(++failures));
      continue;
    }
    failures = 0;
    if (!reply.ok) return report('qsub', reply.error);
    const answer = reply.body;
    if (!answer.ended) continue;
    if (answer.message !== undefined) {
      printError('qsub', `${id} ${answer.message}`);
      return DELETED_EXIT;
    }
    return (answer.exitStatus ?? 0) & 0xff;
  }
}

/** As PBS's qsub bails out: say so, delete the job, exit 2. */
async function interrupted(id: string, signal: NodeJS.Signals): Promise<number> {
  printError('qsub', `wait for job ${id} interrupted by signal ${constants.signals[signal]}`);
  process.stdout.write(`Job ${id} is being deleted\n`);
  try {
    await api('POST', '/v1/jobs/delete', { operands: [id] });
  } catch (e) {
    if (!(e instanceof NoServer)) throw e;
    printError('qsub', e.message);
    return 1;
  }
  return 2;
}

/** Wait for job `id` to end; the exit code qsub ends with. */
export async function blockUntilEnd(id: string): Promise<number> {
  let handler: ((signal: NodeJS.Signals) => void) | undefined;
  const signalled = new Promise<number>((resolve) => {
    handler = (signal) => {
      for (const s of SIGNALS) process.off(s, handler!);
      resolve(interrupted(id, signal));
    };
    for (const s of SIGNALS) process.on(s, handler);
  });
  try {
    return await Promise.race([untilEnded(id), signalled]);
  } finally {
    for (const s of SIGNALS) process.off(s, handler!);
  }
}
