// How an attempt ends on this node: what it left behind is killed, its exit status says why it
// was killed (walltime, stall timeout) with PBS's notice in its output, and the attempts of an
// earlier agent that nobody watches any more are killed and called lost.
import { existsSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';
import { EXIT } from '../core/lifecycle/states.js';
import type { AgentJobSummary, Fact, JournalEntry } from '../core/protocol/agent-protocol.js';
import { retireTmpdir } from './as-user.js';
import type { LiveJob } from './job-launch.js';
import { appendNotice, liveSession, readRunRequest } from './job-spool.js';
import { signalGroup } from './signals.js';
import { jobAccount } from './users.js';

/**
 * The attempt's timers stop and what it left behind ends with it; after a SIGTERM (qdel,
 * walltime) it first gets the same grace as the job, so that its exit traps can run (e.g. a lock
 * file being removed).
 */
export function endSession(job: LiveJob, killDelayMs: number): void {
  for (const t of [...job.timers, ...job.clock.timers]) t.clear();
  if (job.killReason && job.killReason !== 'fenced')
    setTimeout(() => signalGroup(job.session, 'SIGKILL'), killDelayMs);
  else signalGroup(job.session, 'SIGKILL');
  rmSync(join(job.dir, 'session'), { force: true });
}

/**
 * The status and reason to record for an attempt whose processes ended with `natural` after
 * `walltime` seconds; a kill for its walltime or a stall, or a start failure, is noted at the end
 * of its output.
 */
export function exitOutcome(
  job: LiveJob,
  natural: number,
  walltime: number,
  failure?: string,
): { status: number; reason?: string } {
  // an interactive attempt's notices go to qsub's terminal (it has no spooled output)
  const note = (line: string) =>
    job.terminal ? job.terminal.notice(line) : appendNotice(job.dir, job.req.join, line);
  let status = natural;
  let reason: string | undefined;
  if (job.killReason === 'walltime') {
    status = EXIT.walltime;
    reason = 'walltime';
    // both in whole seconds, as MoM writes them (`walltime 5 exceeded limit 5`)
    const limit = Math.round(job.req.walltime ?? 0);
    note(`=>> PBS: job killed: walltime ${Math.round(walltime)} exceeded limit ${limit}`);
  }
  if (job.killReason === 'stall') {
    if (status === 0) status = EXIT.signalBase + constants.signals.SIGTERM;
    reason = 'stall timeout';
    const quiet = job.req.progress?.stallTimeout ?? 0;
    note(`=>> PBS: job killed: no output for ${quiet} s (stall timeout)`);
  }
  if (failure) note(`=>> PBS: ${failure}`);
  return reason ? { status, reason } : { status };
}

/**
 * At start: the attempts of an earlier agent (`known`) that were started and have no exit on
 * record in `unacked`, each killed (killAbandoned below) and `lost`.
 */
export function lostAttempts(
  jobsDir: string,
  known: Iterable<AgentJobSummary>,
  unacked: JournalEntry[],
  tmpRoot: string,
  warn?: (message: string) => void,
): Fact[] {
  const exited = new Set(
    unacked.filter((e) => e.fact.kind !== 'started').map((e) => `${e.fact.jobId}#${e.fact.attempt}`),
  );
  const lost: Fact[] = [];
  for (const k of known) {
    const dir = join(jobsDir, k.jobId);
    if (exited.has(`${k.jobId}#${k.attempt}`) || !existsSync(join(dir, 'session'))) continue;
    const reason = killAbandoned(dir, k.jobId, tmpRoot, warn);
    lost.push({ kind: 'lost', jobId: k.jobId, attempt: k.attempt, reason, at: Date.now() });
  }
  return lost;
}

/**
 * An attempt an earlier agent started and whose exit is not on record: its processes, if any are
 * left, are killed (nobody reaps them or knows their status) and its TMPDIR goes (a later attempt
 * here creates its own afresh). Returns why it is lost.
 */
function killAbandoned(
  dir: string,
  jobId: string,
  tmpRoot: string,
  warn?: (message: string) => void,
): string {
  const session = liveSession(dir);
  if (session !== undefined) signalGroup(session, 'SIGKILL');
  rmSync(join(dir, 'session'), { force: true });
  const account = jobAccount(readRunRequest(dir)?.user ?? '');
  if (account) retireTmpdir(account, tmpRoot, jobId, warn);
  return session !== undefined
    ? 'the node agent restarted; the processes it could no longer watch were killed'
    : 'the node agent restarted and the job was no longer running';
}
