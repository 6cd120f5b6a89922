// `drover peek JOB [-f] [-e]` (PBS users know Torque's qpeek): the output a running job has
// written so far, read through GET /v1/jobs/:id/output; with -f it follows the output, as
// `tail -f` does, until the job ends (asking again every second while nothing new came).
import { exitCode } from '../core/errors.js';
import { type OutputTail, TAIL_MAX_BYTES } from '../core/protocol/output-tail.js';
import { NoServer, Refused } from './api-errors.js';
import { api } from './client.js';
import { printError, report } from './command.js';

const CMD = 'drover';
const POLL_MS = 1000;

export interface PeekOptions {
  follow?: boolean;
  /** stderr instead of stdout (a joined job's one file either way) */
  stderr?: boolean;
}

const written = (text: string) =>
  new Promise<void>((resolve) => (text === '' ? resolve() : process.stdout.write(text, () => resolve())));
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The exit code: 0 once the output is printed (with -f: once the job has ended). */
export async function peek(job: string, opts: PeekOptions = {}): Promise<number> {
  try {
    return await peekLoop(job, opts);
  } catch (e) {
    if (e instanceof Refused) return report(CMD, e.error);
    if (!(e instanceof NoServer)) throw e;
    printError(CMD, e.message);
    return exitCode('NO_SERVER');
  }
}

async function peekLoop(job: string, opts: PeekOptions): Promise<number> {
  const path = `/v1/jobs/${encodeURIComponent(job)}/output?stream=${opts.stderr ? 'err' : 'out'}`;
  let from = 0;
  for (let first = true; ; first = false) {
    const r = await api<OutputTail>('GET', `${path}&from=${from}`);
    // following: the job ended between two questions; its output file has what came last
    if (!r.ok && !first && r.error.code === 'JOB_NOT_RUNNING') {
      printError(CMD, `job ${job} has ended: its output file has all of its output`);
      return 0;
    }
    if (!r.ok) return report(CMD, r.error);
    const { text, next, running } = r.body;
    await written(text);
    // a full answer: more is there already (a character cut at the limit leaves up to 3 bytes)
    const more = next - from > TAIL_MAX_BYTES - 4;
    from = next;
    if (more) continue;
    if (!opts.follow || (!running && text === '')) return 0;
    if (text === '') await pause(POLL_MS);
  }
}
